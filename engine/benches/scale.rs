//! Engine scaling benchmark (`cargo bench -p engine --bench scale`), against the in-memory fake
//! cloud so only the engine is measured. Prints ratios against baselines measured in the same
//! run: plan and apply time as the stack grows (linear would be ×10 per ×10 resources), and
//! the speed-up of parallel apply over `--parallel 1` when each call takes 5 ms.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{context, registry, FakeCloud, Net, Sub};
use engine::apply::{apply, ApplyOptions, Silent};
use engine::graph::validate;
use engine::plan::plan;
use engine::Stack;
use state::Store;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// `nets` roots with four dependents each.
fn stack(nets: usize) -> Stack {
    let mut stack = Stack::new("bench");
    for n in 0..nets {
        let net = stack
            .add(format!("net-{n}"), Net { cidr: format!("10.{}.{}.0/24", n / 256, n % 256), ..Default::default() });
        for s in 0..4 {
            stack.add(
                format!("sub-{n}-{s}"),
                Sub {
                    net_id: net.output(|o| o.id.clone()),
                    cidr: format!("10.{}.{}.{}/28", n / 256, n % 256, s * 16),
                    ..Default::default()
                },
            );
        }
    }
    stack
}

async fn up(stack: &Stack, parallel: usize, latency: Duration) -> (Duration, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("bench.db")).unwrap();
    let cloud = FakeCloud::new();
    *cloud.latency.lock().unwrap() = latency;
    let started = Instant::now();
    let graph = validate(stack).unwrap();
    let validated = started.elapsed();
    let planned = plan(stack, &graph, &store.resources().unwrap(), &registry());
    let plan_time = started.elapsed();
    eprintln!("    (validate {validated:.2?} of plan {plan_time:.2?})");
    let (_tx, cancel) = watch::channel(false);
    let opts = ApplyOptions::new("bench", parallel, cancel);
    let started = Instant::now();
    let report = apply(&planned, stack, &registry(), &store, context(&cloud), &opts, &Silent).await.unwrap();
    assert!(report.ok());
    (plan_time, started.elapsed())
}

#[tokio::main]
async fn main() {
    println!("scale (fake cloud, no latency, on-disk SQLite state):");
    let (base_plan, base_apply) = up(&stack(20), 10, Duration::ZERO).await;
    println!("  {:>5} resources: plan {:>9.2?}  apply {:>9.2?}  (baseline)", 100, base_plan, base_apply);
    for nets in [200] {
        let (p, a) = up(&stack(nets), 10, Duration::ZERO).await;
        println!(
            "  {:>5} resources: plan {:>9.2?} (×{:.1})  apply {:>9.2?} (×{:.1})  for ×{} resources",
            nets * 5,
            p,
            p.as_secs_f64() / base_plan.as_secs_f64(),
            a,
            a.as_secs_f64() / base_apply.as_secs_f64(),
            nets / 20
        );
    }
    println!("parallelism (20 roots + 80 dependents, 5 ms per call):");
    let (_, serial) = up(&stack(20), 1, Duration::from_millis(5)).await;
    let (_, parallel) = up(&stack(20), 10, Duration::from_millis(5)).await;
    println!(
        "  --parallel 1: {serial:.2?} (baseline)   --parallel 10: {parallel:.2?}   speed-up ×{:.1}",
        serial.as_secs_f64() / parallel.as_secs_f64()
    );
}
