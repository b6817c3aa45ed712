//! Self-contained pictures (issue 11): the resource graph as a static SVG
//! ([`graph_svg`]) and as an interactive HTML page ([`graph_html`]), laid out by [`layout`];
//! and the HTML shell and escaping the run timeline ([`crate::timings`]) shares.
//!
//! # Guarantees
//! * Pure: strings in, strings out. Pages load nothing (no network, no CDN): CSS, SVG and
//!   script are inline, so they open from a CI artifact as they are.
//! * Every name and kind is escaped for XML/HTML; data handed to scripts is JSON with `<`
//!   escaped, so no value can close a `<script>`.

pub mod graph_html;
pub mod graph_svg;
pub mod layout;

/// `text` safe inside XML/HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `value` as JSON that can sit inside a `<script>` element.
pub fn script_json(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// A whole HTML document: `style` and `script` inline, `body` as given.
pub fn page(title: &str, style: &str, body: &str, script: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>\n{style}\n</style>\n</head>\n<body>\n{body}\n<script>\n{script}\n</script>\n</body>\n</html>\n",
        escape(title)
    )
}

/// `text` cut to `max` characters, with an ellipsis when cut (labels in fixed-width boxes).
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let kept: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

/// A color per service, stable across runs (the same service, the same color).
pub fn service_color(service: &str) -> String {
    let hash = service.bytes().fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619));
    format!("hsl({}, 55%, 82%)", hash % 360)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_script_breakers_are_escaped() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        let json = script_json(&serde_json::json!({ "name": "</script><b>" }));
        assert!(!json.contains("</script>") && !json.contains('<'), "{json}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&json).unwrap()["name"], "</script><b>");
    }

    #[test]
    fn long_labels_are_clipped_with_an_ellipsis() {
        assert_eq!(clip("vpc", 5), "vpc");
        assert_eq!(clip("public-subnet-a", 8), "public-…");
    }
}
