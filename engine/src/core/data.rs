//! `plinth:core:Data`: a provider-free resource, like Terraform's `terraform_data`. It holds an
//! arbitrary JSON `input` and reports it back as `output`; changing `triggers_replace` replaces
//! it (a new `id`). Its object lives in state alone: no cloud call, so it measures the engine
//! by itself and carries values through the graph (a dependent's `input` may reference
//! another's `output`).
//!
//! # Guarantees
//! * `create` mints a fresh id (a UUID) and `output` equals the resolved `input`; `update`
//!   keeps the id and takes the new `input`; `delete` of an object already gone is `Ok`.
//! * `read` reports what state records (there is nothing else to ask): no drift, ever.
//!
//! # Assumptions
//! * Nothing outside Plinth's state holds the object, so ownership is the state row itself
//!   (not taggable) and `find` finds nothing: a create interrupted by a crash made nothing.

use crate::input::Input;
use crate::resource::{Meta, Observed, ProviderError, Resource};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The inputs: any JSON value, possibly a reference to another resource's output.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Data {
    /// Any JSON value; reported back as `output`.
    #[serde(default)]
    pub input: Input<Value>,
    /// Any JSON value; a change replaces the resource (a new `id`).
    #[serde(default)]
    pub triggers_replace: Input<Value>,
}

/// The outputs: the object's id and the `input` it was last applied with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataOutputs {
    pub id: String,
    pub output: Value,
}

impl Resource for Data {
    const KIND: &'static str = "plinth:core:Data";
    const SERVICE: &'static str = "core";
    const TAGGABLE: bool = false;
    const REPLACE_FIELDS: &'static [&'static str] = &["triggers_replace"];
    type Outputs = DataOutputs;
    type Context = ();

    fn cloud_id(outputs: &DataOutputs) -> String {
        outputs.id.clone()
    }

    async fn create(&self, _meta: &Meta, _cx: &()) -> Result<DataOutputs, ProviderError> {
        Ok(DataOutputs { id: uuid::Uuid::new_v4().to_string(), output: self.input.value().clone() })
    }

    async fn read(&self, outputs: &DataOutputs, _cx: &()) -> Result<Option<Observed<Self>>, ProviderError> {
        Ok(Some(Observed { inputs: self.clone(), outputs: outputs.clone() }))
    }

    async fn update(&self, _old: &Self, outputs: &DataOutputs, _cx: &()) -> Result<DataOutputs, ProviderError> {
        Ok(DataOutputs { id: outputs.id.clone(), output: self.input.value().clone() })
    }

    async fn delete(&self, _outputs: &DataOutputs, _cx: &()) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn find(&self, _meta: &Meta, _cx: &()) -> Result<Option<DataOutputs>, ProviderError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn output_is_input_and_an_update_keeps_the_id() {
        let data = Data { input: json!({ "size": 3 }).into(), ..Default::default() };
        let created = data.create(&Meta::new("d", "s"), &()).await.unwrap();
        assert_eq!(created.output, json!({ "size": 3 }));
        let changed = Data { input: json!([1, 2]).into(), ..Default::default() };
        let updated = changed.update(&data, &created, &()).await.unwrap();
        assert_eq!((updated.id.as_str(), &updated.output), (created.id.as_str(), &json!([1, 2])));
        let again = data.create(&Meta::new("d", "s"), &()).await.unwrap();
        assert_ne!(again.id, created.id, "each create mints a new id");
    }
}
