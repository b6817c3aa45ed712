//! One check of the deployed-environment suite and the pass/fail table of a run.
//!
//! A [`Check`] names the AWS Foundational Security Best Practices (or CIS) control it proves, when
//! one applies, and collects one finding per object that is wrong ("`sg-0abc`: 2 ingress rules").
//! A check that found nothing to examine fails: an empty account never passes as green.

use std::fmt::Write as _;

/// One check: what it proves and, after it ran, what was wrong.
#[derive(Debug, Clone)]
pub struct Check {
    /// `network`, `storage`, ...
    pub area: &'static str,
    /// The FSBP / CIS control, e.g. `EC2.2`; `None` where no control applies.
    pub control: Option<&'static str>,
    /// What a pass means, e.g. "the VPC's default security group has no rules".
    pub what: String,
    /// One line per object that is wrong, naming it; empty when the check passed.
    pub findings: Vec<String>,
    /// How many objects the check examined.
    pub examined: usize,
    /// A pass that holds only because the environment does not require it (e.g. GuardDuty in dev).
    pub note: Option<String>,
}

impl Check {
    pub fn new(area: &'static str, control: Option<&'static str>, what: impl Into<String>) -> Check {
        Check { area, control, what: what.into(), findings: Vec::new(), examined: 0, note: None }
    }

    /// Records that one more object was examined.
    pub fn saw(&mut self) -> &mut Self {
        self.examined += 1;
        self
    }

    /// Records a finding naming `object` and what is wrong with it.
    pub fn fail(&mut self, object: impl std::fmt::Display, problem: impl std::fmt::Display) -> &mut Self {
        self.findings.push(format!("{object}: {problem}"));
        self
    }

    /// Examines `object`: a finding unless `ok`.
    pub fn expect(&mut self, object: impl std::fmt::Display, ok: bool, problem: impl std::fmt::Display) -> &mut Self {
        self.saw();
        if !ok {
            self.fail(object, problem);
        }
        self
    }

    /// A call the check needed failed: a finding naming the call, the object and the error.
    pub fn call_failed<E: std::error::Error + super::ProvideErrorMetadata>(
        &mut self,
        object: impl std::fmt::Display,
        call: &str,
        err: E,
    ) -> &mut Self {
        self.fail(object, format!("{call} failed: {}", super::error_text(err)))
    }

    /// Nothing here needs examining (the environment does not require it), with the reason;
    /// shown beside the check, and as N/A when nothing was examined.
    pub fn not_required(&mut self, reason: impl Into<String>) -> &mut Self {
        self.note = Some(reason.into());
        self
    }

    /// FAIL with findings (or with nothing examined), PASS when something was examined and
    /// found right, N/A when nothing needed examining (never shown as a pass).
    pub fn status(&self) -> Status {
        match (self.findings.is_empty(), self.examined, &self.note) {
            (false, _, _) => Status::Fail,
            (true, 0, Some(_)) => Status::NotApplicable,
            (true, 0, None) => Status::Fail,
            (true, _, _) => Status::Pass,
        }
    }

    /// Not a failure (PASS or N/A).
    pub fn passed(&self) -> bool {
        self.status() != Status::Fail
    }

    /// Every problem of this check, including "nothing examined".
    pub fn problems(&self) -> Vec<String> {
        let mut problems = self.findings.clone();
        if self.findings.is_empty() && self.examined == 0 && self.note.is_none() {
            problems.push("nothing to examine: no object of the stack was found".to_string());
        }
        problems
    }

    /// The control, or `-`.
    fn label(&self) -> &str {
        self.control.unwrap_or("-")
    }
}

/// What a check came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// Not required in this environment and not present: shown as `N/A`, never as a pass.
    NotApplicable,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::NotApplicable => "N/A",
        }
    }
}

/// The checks of one run, printed as a table.
#[derive(Debug, Default)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    pub fn extend(&mut self, checks: impl IntoIterator<Item = Check>) {
        self.checks.extend(checks);
    }

    pub fn failed(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.passed()).collect()
    }

    /// The table: one line per check (PASS / FAIL, control, area, what), its findings indented
    /// below it, and a closing count.
    pub fn table(&self, title: &str) -> String {
        let control_width = self.checks.iter().map(|c| c.label().len()).max().unwrap_or(1).max(7);
        let area_width = self.checks.iter().map(|c| c.area.len()).max().unwrap_or(4).max(4);
        let mut out = format!("{title}\n");
        let _ = writeln!(out, "{:<6} {:<control_width$} {:<area_width$} check", "result", "control", "area");
        for check in &self.checks {
            let result = check.status().label();
            let what = match (&check.note, check.examined) {
                (Some(note), 0) => format!("{} ({note})", check.what),
                (Some(note), n) => format!("{} [{n} examined; {note}]", check.what),
                (None, n) => format!("{} [{n} examined]", check.what),
            };
            let _ = writeln!(out, "{result:<6} {:<control_width$} {:<area_width$} {what}", check.label(), check.area);
            for problem in check.problems() {
                let _ = writeln!(out, "{:<6} {:<control_width$} {:<area_width$}   - {problem}", "", "", "");
            }
        }
        let count = |status| self.checks.iter().filter(|c| c.status() == status).count();
        // Not "N passed, N failed": that line is a test runner's closing line.
        let _ = writeln!(
            out,
            "{} checks: {} pass, {} fail, {} not applicable",
            self.checks.len(),
            count(Status::Pass),
            count(Status::Fail),
            count(Status::NotApplicable)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_that_examined_nothing_fails() {
        let check = Check::new("network", Some("EC2.2"), "default group closed");
        assert!(!check.passed());
        assert_eq!(check.problems(), ["nothing to examine: no object of the stack was found"]);
    }

    #[test]
    fn findings_name_the_object_and_the_table_counts() {
        let mut bad = Check::new("network", Some("EC2.2"), "default group closed");
        bad.expect("sg-1", false, "2 ingress rules");
        let mut good = Check::new("audit", Some("GuardDuty.1"), "detector on");
        good.not_required("not required in dev");
        let report = Report { checks: vec![bad, good] };
        let table = report.table("t");
        assert!(table.contains("FAIL   EC2.2"), "{table}");
        assert!(table.contains("- sg-1: 2 ingress rules"), "{table}");
        assert!(table.contains("N/A    GuardDuty.1 audit   detector on (not required in dev)"), "{table}");
        assert!(table.ends_with("2 checks: 0 pass, 1 fail, 1 not applicable\n"), "{table}");
    }
}
