use super::*;
use indicatif::TermLike;
use std::sync::Arc;

const WIDTH: u16 = 100;

/// A terminal that keeps its screen as lines: enough of a terminal for indicatif's drawing
/// (cursor up, clear line, write), so a test reads what a person would see.
#[derive(Debug, Default, Clone)]
struct Screen(Arc<Mutex<ScreenState>>);

#[derive(Debug, Default)]
struct ScreenState {
    lines: Vec<String>,
    row: usize,
}

impl ScreenState {
    fn line(&mut self) -> &mut String {
        while self.lines.len() <= self.row {
            self.lines.push(String::new());
        }
        &mut self.lines[self.row]
    }
}

impl Screen {
    fn text(&self) -> Vec<String> {
        let s = self.0.lock().unwrap();
        s.lines.iter().map(|l| l.trim_end().to_string()).filter(|l| !l.is_empty()).collect()
    }
}

impl TermLike for Screen {
    fn width(&self) -> u16 {
        WIDTH
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        let mut s = self.0.lock().unwrap();
        s.row = s.row.saturating_sub(n);
        Ok(())
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.0.lock().unwrap().row += n;
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, text: &str) -> std::io::Result<()> {
        self.write_str(text)?;
        self.0.lock().unwrap().row += 1;
        Ok(())
    }
    /// Writes at the cursor; a full row wraps to the next, as a terminal does.
    fn write_str(&self, text: &str) -> std::io::Result<()> {
        let mut s = self.0.lock().unwrap();
        for c in text.chars() {
            match c {
                '\n' => s.row += 1,
                '\r' => s.line().clear(),
                c => {
                    if s.line().chars().count() >= WIDTH as usize {
                        s.row += 1;
                    }
                    s.line().push(c);
                }
            }
        }
        Ok(())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.0.lock().unwrap().line().clear();
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}

fn planned(names: &[&str]) -> Vec<PlannedOp> {
    names.iter().map(|n| PlannedOp { name: n.to_string(), what: "create", deps: vec![] }).collect()
}

fn live() -> (Live, Screen) {
    let screen = Screen::default();
    let live = Live::new(ProgressDrawTarget::term_like(Box::new(screen.clone())), false, false);
    (live, screen)
}

#[test]
fn in_flight_operations_show_above_a_done_total_count() {
    let (live, screen) = live();
    live.planned(&planned(&["vpc", "bucket", "subnet"]));
    live.started("vpc", "create");
    live.started("bucket", "create");
    let text = screen.text();
    assert!(text.iter().any(|l| l.contains("vpc: create [")), "{text:#?}");
    assert!(text.iter().any(|l| l.contains("bucket: create [")), "{text:#?}");
    assert!(text.last().unwrap().contains("0/3 done"), "{text:#?}");

    live.finished("vpc", "create", Duration::from_millis(1200), None);
    let text = screen.text();
    assert!(text.iter().any(|l| l == "  ✓ vpc: create (1.2s)"), "{text:#?}");
    assert!(!text.iter().any(|l| l.contains("vpc: create [")), "a finished bar is gone: {text:#?}");
    assert!(text.last().unwrap().contains("1/3 done"), "{text:#?}");
}

#[test]
fn failures_leave_their_line_and_leftovers_count_too() {
    let (live, screen) = live();
    live.started("old-sg", "delete leftover");
    live.finished("old-sg", "delete leftover", Duration::ZERO, None);
    live.planned(&planned(&["db"]));
    live.started("db", "create");
    live.finished("db", "create", Duration::from_millis(300), Some("InvalidParameterValue"));
    live.finish();
    let text = screen.text();
    assert!(text.iter().any(|l| l == "  ✓ old-sg: delete leftover (0.0s)"), "{text:#?}");
    assert!(text.iter().any(|l| l == "  ✗ db: create failed (0.3s): InvalidParameterValue"), "{text:#?}");
    assert_eq!(live.count.position(), 2);
    assert_eq!(live.count.length(), Some(2));
    assert!(!text.iter().any(|l| l.contains("done")), "finish clears the bars: {text:#?}");
}
