//! `plinth-data`: a provider-free program for measuring the engine alone through its real CLI
//! (`preview`, `up`, `destroy`, `state ...`: the same verbs as every environment binary).
//!
//! It declares `PLINTH_DATA_COUNT` (default 1000) `plinth:core:Data` resources in groups of
//! ten: a root `g<i>` whose input is `{"group": i, "value": PLINTH_DATA_VALUE}` and nine
//! dependents `g<i>-<j>` whose input references the root's output. `PLINTH_DATA_TRIGGER`, when
//! set, is every root's `triggers_replace` (changing it replaces the roots). `scripts/bench`
//! runs it beside an equivalent Terraform configuration of `terraform_data`.
//!
//! ```text
//! PLINTH_DATA_COUNT=10000 cargo run --release -p engine --bin plinth-data -- up --yes --state /tmp/b.db
//! ```

use engine::cli::{App, Connect};
use engine::core::{Data, DataOutputs};
use engine::Stack;
use serde_json::{json, Value};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Resources per group: one root and nine dependents.
const GROUP: usize = 10;

/// The program: `count` resources in groups of [`GROUP`].
fn program(stack: &mut Stack, count: usize, value: &Value, trigger: &Value) {
    for group in 0..count.div_ceil(GROUP) {
        let in_group = GROUP.min(count - group * GROUP);
        let root = stack.add(
            format!("g{group}"),
            Data { input: json!({ "group": group, "value": value }).into(), triggers_replace: trigger.clone().into() },
        );
        for member in 1..in_group {
            let input = root.output(|o: &DataOutputs| o.output.clone());
            stack.add(format!("g{group}-{member}"), Data { input, ..Default::default() });
        }
    }
}

/// `name` from the environment, parsed as JSON when it is JSON, as a string otherwise.
fn json_var(name: &str) -> Value {
    match std::env::var(name) {
        Ok(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        Err(_) => Value::Null,
    }
}

fn main() -> ExitCode {
    let count = match std::env::var("PLINTH_DATA_COUNT").map(|c| c.parse::<usize>()) {
        Err(_) => 1000,
        Ok(Ok(count)) => count,
        Ok(Err(e)) => {
            eprintln!("error: PLINTH_DATA_COUNT must be a whole number of resources: {e}");
            return ExitCode::from(1);
        }
    };
    let (value, trigger) = (json_var("PLINTH_DATA_VALUE"), json_var("PLINTH_DATA_TRIGGER"));
    let connect: Connect = Box::new(|| Box::pin(async { Ok(Arc::new(()) as engine::Context) }));
    engine::cli::main(App {
        env: "data".into(),
        program: Box::new(move |stack| program(stack, count, &value, &trigger)),
        registry: engine::core::registry(),
        connect,
        account: None,
        // No call leaves the process: a create the journal holds made nothing anywhere.
        create_may_land_within: Some(Duration::ZERO),
        release: None,
        program_dir: None,
        // Local state only: there is no bucket client without a provider.
        state: None,
        objects: None,
    })
}
