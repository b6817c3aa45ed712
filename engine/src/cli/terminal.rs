//! What reaches the terminal: values from state or the cloud may hold control characters (an
//! escape sequence planted in a tag or an id could retitle the window, move the cursor, hide
//! text or worse). Everything printed goes through [`escape`] or [`sanitize`].
//!
//! # Guarantees
//! * [`escape`] leaves no control character (C0 including newline and tab, DEL, C1) in its
//!   output: newline, return and tab become `\n`, `\r`, `\t`, every other one `\u{..}`.
//! * [`sanitize`] keeps newlines and tabs of multi-line text and, when asked, the colour
//!   sequences Plinth itself writes (`ESC [ digits ; m`); every other control is escaped.

use std::borrow::Cow;
use std::fmt::Write;

fn is_control(c: char) -> bool {
    c.is_control() // C0, DEL and C1
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// One value on one line: every control character escaped.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The length of a colour sequence (`ESC [ 0-9; m`) at the start of `s`, if it is one.
fn sgr_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix("\u{1b}[")?;
    let params = body.bytes().take_while(|b| b.is_ascii_digit() || *b == b';').count();
    (body.as_bytes().get(params) == Some(&b'm')).then_some(2 + params + 1)
}

/// Multi-line text: newlines and tabs kept, colour sequences kept when `keep_colour`, every
/// other control character escaped.
pub fn sanitize(s: &str, keep_colour: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_control(c) && c != '\n' && c != '\t';
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if keep_colour && c == '\u{1b}' {
            if let Some(n) = sgr_len(rest) {
                out.push_str(&rest[..n]);
                rest = &rest[n..];
                continue;
            }
        }
        if unsafe_char(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// JSON text: serde already escapes C0 controls inside strings; DEL and C1 controls (which it
/// leaves raw) become `\u00XX`, so the output stays valid JSON with nothing raw in it.
pub fn json_safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control_outside_json_whitespace) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control_outside_json_whitespace(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_control_outside_json_whitespace(c: char) -> bool {
    is_control(c) && !matches!(c, '\n' | '\t' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_plain_text_alone_and_escapes_every_control() {
        assert!(matches!(escape("vpc-0abc ünïcode"), Cow::Borrowed(_)));
        let planted = "vpc-1\u{1b}]0;owned\u{7}\u{1b}[2J\r\n\u{9b}31m\u{7f}";
        let shown = escape(planted);
        assert_eq!(shown, "vpc-1\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\r\\n\\u{9b}31m\\u{7f}");
        assert!(!shown.chars().any(char::is_control), "{shown}");
    }

    #[test]
    fn json_stays_json_with_every_control_escaped() {
        let text =
            serde_json::to_string_pretty(&serde_json::json!({ "id": "a\u{1b}]0;x\u{7}\u{9b}6n\u{7f}" })).unwrap();
        let safe = json_safe(&text);
        assert!(!safe.chars().any(|c| c.is_control() && c != '\n'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["id"], "a\u{1b}]0;x\u{7}\u{9b}6n\u{7f}");
    }

    #[test]
    fn sanitize_keeps_lines_and_only_our_colours() {
        let text = "\u{1b}[32m+ vpc\u{1b}[0m\n\tid: x\u{1b}]52;c;evil\u{7}\n";
        assert_eq!(sanitize(text, true), "\u{1b}[32m+ vpc\u{1b}[0m\n\tid: x\\u{1b}]52;c;evil\\u{7}\n");
        assert_eq!(sanitize(text, false), "\\u{1b}[32m+ vpc\\u{1b}[0m\n\tid: x\\u{1b}]52;c;evil\\u{7}\n");
        assert!(matches!(sanitize("a\n\tb", false), Cow::Borrowed(_)));
    }
}
