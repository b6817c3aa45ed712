//! What `import` shows before asking: per proposal the object, its kind, the resource it becomes
//! and the tags it gets. Pure: strings out.

use super::Proposal;

/// One block per proposal; values are escaped by the caller (they come from the cloud).
pub fn render(proposals: &[Proposal]) -> String {
    let mut out = String::new();
    for p in proposals {
        out += &format!("import {} ({}) as `{}`\n", p.cloud_id, p.kind.kind(), p.name);
        if p.tags_to_set.is_empty() {
            out += "    tags: none to add (it carries every tag of the program)\n";
        }
        for (key, value) in &p.tags_to_set {
            match p.live_tags.get(key) {
                Some(old) => out += &format!("    tag {key}: {old} → {value}\n"),
                None => out += &format!("    tag + {key}={value}\n"),
            }
        }
    }
    let n = proposals.len();
    out += &format!(
        "Import: {n} object{}. Nothing else about {} changes; `preview` then shows how {} from the program.\n",
        if n == 1 { "" } else { "s" },
        if n == 1 { "it" } else { "them" },
        if n == 1 { "it differs" } else { "they differ" },
    );
    out
}
