//! `aws:budgets:Budget` against the emulator, through the `engine::Resource` trait.
//!
//! moto 5.2.5 implements only CreateBudget, DescribeBudget(s), DeleteBudget, CreateNotification,
//! DeleteNotification and DescribeNotificationsForBudget; `scripts/moto_server.py` adds the rest
//! Plinth calls with AWS's semantics (UpdateBudget, UpdateNotification, the subscriber calls,
//! tags). Here: notification swaps, threshold changes and limit changes land for real, as an
//! independent client sees them, and `read` gives the program's shape back (find, read-when-gone,
//! delete-again and ownership are the conformance suite's, `tests/tests/conformance.rs`).

use e2e::conformance::fixtures::budgets::notification;
use e2e::{engine_tags, meta, Emulator};
use engine::{ErrorClass, Resource};
use resources::budgets::{Budget, BudgetOutputs, BudgetPeriod, NotificationType};

const NAME: &str = "plinth-e2e-monthly";
const ACCOUNT: &str = "123456789012";

fn budget() -> Budget {
    Budget {
        name: NAME.into(),
        limit_amount: "50".into(),
        time_unit: BudgetPeriod::Monthly,
        cost_filters: [("TagKeyValue".to_string(), vec!["user:Environment$dev".to_string()])].into(),
        notifications: vec![notification(NotificationType::Actual, 80.0)],
        tags: engine_tags("budget", &[]),
    }
}

/// (type, threshold, comparison) of every notification, as an independent client sees them.
async fn live_notifications(emu: &Emulator) -> Vec<(String, f64, String)> {
    let budgets = emu.independent().await.budgets();
    let out = budgets.describe_notifications_for_budget().account_id(ACCOUNT).budget_name(NAME).send().await;
    let out = out.expect("DescribeNotificationsForBudget");
    out.notifications()
        .iter()
        .map(|n| {
            (n.notification_type().as_str().to_string(), n.threshold(), n.comparison_operator().as_str().to_string())
        })
        .collect()
}

/// (limit amount, unit, time unit, cost filters) as an independent client sees them.
#[allow(deprecated)] // CostFilters: the field Plinth writes
async fn live_budget(emu: &Emulator) -> (String, String, String, Vec<(String, Vec<String>)>) {
    let budgets = emu.independent().await.budgets();
    let out = budgets.describe_budget().account_id(ACCOUNT).budget_name(NAME).send().await.expect("DescribeBudget");
    let b = out.budget().expect("budget");
    let limit = b.budget_limit().expect("limit");
    let mut filters: Vec<(String, Vec<String>)> =
        b.cost_filters().into_iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect();
    filters.sort();
    (limit.amount().to_string(), limit.unit().to_string(), b.time_unit().as_str().to_string(), filters)
}

#[tokio::test]
async fn budget_notifications_thresholds_and_limits_change_in_place() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let a = budget();
    assert_eq!(a.validate(), Vec::<String>::new());

    let out = a.create(&meta("budget"), &cx).await.expect("create");
    assert_eq!(out, BudgetOutputs { name: NAME.into(), account_id: ACCOUNT.into() });
    let filters = vec![("TagKeyValue".to_string(), vec!["user:Environment$dev".to_string()])];
    assert_eq!(live_budget(&emu).await, ("50".into(), "USD".into(), "MONTHLY".into(), filters.clone()));
    assert_eq!(live_notifications(&emu).await, [("ACTUAL".into(), 80.0, "GREATER_THAN".into())]);

    let read = a.read(&out, &cx).await.expect("read").expect("the budget exists");
    assert_eq!(read.inputs, a, "read gives the program's shape back");

    // Notifications change for real: ACTUAL 80% goes, FORECASTED 100% comes.
    let b = Budget { notifications: vec![notification(NotificationType::Forecasted, 100.0)], ..a.clone() };
    assert_eq!(b.update(&a, &out, &cx).await.expect("swap notifications"), out);
    assert_eq!(live_notifications(&emu).await, [("FORECASTED".into(), 100.0, "GREATER_THAN".into())]);

    // A new threshold of the same type is an UpdateNotification.
    let c = Budget { notifications: vec![notification(NotificationType::Forecasted, 120.0)], ..b.clone() };
    assert_eq!(c.update(&b, &out, &cx).await.expect("new threshold"), out);
    assert_eq!(live_notifications(&emu).await, [("FORECASTED".into(), 120.0, "GREATER_THAN".into())]);
    assert_eq!(c.read(&out, &cx).await.expect("read").expect("exists").inputs, c);

    let d = Budget { notifications: vec![], ..c.clone() };
    d.update(&c, &out, &cx).await.expect("remove the last notification");
    assert_eq!(live_notifications(&emu).await, Vec::<(String, f64, String)>::new());

    // An in-place limit change is UpdateBudget.
    let e = Budget { limit_amount: "75".into(), ..d.clone() };
    assert_eq!(e.update(&d, &out, &cx).await.expect("new limit"), out);
    assert_eq!(live_budget(&emu).await, ("75".into(), "USD".into(), "MONTHLY".into(), filters));
    assert_eq!(e.read(&out, &cx).await.expect("read").expect("exists").inputs, e);

    d.delete(&out, &cx).await.expect("delete");
}

#[tokio::test]
async fn a_second_budget_of_the_same_name_is_already_exists() {
    let emu = Emulator::start();
    let cx = emu.context().await;
    let a = Budget { notifications: vec![], ..budget() };
    let out = a.create(&meta("budget"), &cx).await.expect("create");
    let err = a.create(&meta("budget"), &cx).await.expect_err("duplicate");
    assert_eq!(err.class, ErrorClass::AlreadyExists, "{err}");
    a.delete(&out, &cx).await.expect("delete");
}
