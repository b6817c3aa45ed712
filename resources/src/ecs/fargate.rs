//! Fargate prices of a service's tasks: vCPU and memory hours for the size its task definition
//! declares, on demand or Spot, x86 or ARM (`crate::prices`).

use super::task_definition::{CpuArchitecture, RuntimePlatform};
use engine::cost::{known_enough, CostItem, Estimate};
use serde::Deserialize;
use serde_json::Value;

/// The part of a task definition's inputs that sets its price.
#[derive(Deserialize)]
struct TaskSize {
    /// CPU units (1024 = one vCPU) and MiB.
    cpu: u32,
    memory: u32,
    runtime_platform: RuntimePlatform,
}

/// `on_demand` and `spot` tasks of the size `task` (a task definition's inputs) running all
/// month; `Err` names what in the task definition could not be read.
pub fn estimate(task: &Value, on_demand: f64, spot: f64) -> Result<Estimate, String> {
    let size: TaskSize = serde_json::from_value(known_enough(task))
        .map_err(|e| format!("cannot read the task definition's size: {e}"))?;
    let t = crate::prices::table();
    let f = &t.fargate;
    let (vcpus, gb) = (f64::from(size.cpu) / 1024.0, f64::from(size.memory) / 1024.0);
    let arm = size.runtime_platform.cpu_architecture == CpuArchitecture::Arm64;
    let (vcpu_hour, gb_hour, arch) =
        if arm { (f.arm_vcpu_hour, f.arm_gb_hour, "ARM") } else { (f.vcpu_hour, f.gb_hour, "x86") };
    let mut items = Vec::new();
    for (tasks, vcpu_price, gb_price, what) in
        [(on_demand, vcpu_hour, gb_hour, "on demand"), (spot, f.spot_vcpu_hour, f.spot_gb_hour, "Spot")]
    {
        if tasks > 0.0 {
            let hours = tasks * t.hours();
            items.push(CostItem::new(format!("Fargate {arch} vCPU, {what}"), hours * vcpus, "vCPU-hours", vcpu_price));
            items.push(CostItem::new(format!("Fargate {arch} memory, {what}"), hours * gb, "GB-hours", gb_price));
        }
    }
    let mut assumptions = vec![format!(
        "{} tasks of {vcpus} vCPU / {gb} GB running all month (auto scaling and schedules not counted)",
        on_demand + spot
    )];
    if spot > 0.0 {
        assumptions.push("Spot at the table's x86 Spot price (it varies)".to_string());
    }
    Ok(crate::prices::estimate(items, assumptions))
}
