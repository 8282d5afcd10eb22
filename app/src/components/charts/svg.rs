//! SVG pieces every chart kind shares: titles and links built with the
//! SVG builders, safe ids, the text alternatives for screen readers and
//! the figure shown when there is nothing to draw.

use super::format::*;
use super::scale::*;
use leptos::prelude::*;

/// Shortens `text` to at most `max_chars` characters, ending in "…" when
/// anything was cut.
/// An SVG `<title>` (tooltip and accessible name). `title` and `a` exist in
/// HTML and SVG; when the browser renders a chart itself (client-side
/// navigation, the in-place language switch) the `view!` macro creates them
/// in the HTML namespace, where they do nothing inside an `<svg>`. The tachys
/// SVG builders always use the SVG namespace.
pub(super) fn svg_title(text: String) -> impl IntoView {
    leptos::tachys::svg::title().child(text)
}

/// An SVG `<title>` with an id (for `aria-labelledby`); see [`svg_title`].
pub(super) fn svg_title_with_id(id: String, text: String) -> impl IntoView {
    leptos::tachys::svg::title().id(id).child(text)
}

/// An SVG link around `child`; see [`svg_title`].
pub(super) fn svg_link(href: String, class: &'static str, child: impl IntoView) -> impl IntoView {
    leptos::tachys::svg::a()
        .attr("href", href)
        .class(class)
        .child(child)
}

/// Makes a caller id safe for `id` and `aria-labelledby` (which is a
/// space-separated list): anything but ASCII letters, digits, `-` and `_`
/// becomes `-`; an empty id becomes "chart".
pub(super) fn safe_id(id: &str) -> String {
    let cleaned: String = id
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "chart".to_string()
    } else {
        cleaned
    }
}

/// "Label: 38,2 % (95 %-KI 33,1–43,5), Referenz 27,0 %", or the note
/// instead of the value when there is none.
pub(super) fn describe_value(
    label: &str,
    percent: Option<f64>,
    ci: Option<(f64, f64)>,
    reference: Option<f64>,
    note: Option<&str>,
) -> String {
    let mut text = format!("{label}: ");
    match clean_percent(percent) {
        Some(p) => {
            text.push_str(&format_percent(p));
            if let Some((lower, upper)) = clean_ci(ci) {
                text.push_str(&format!(
                    " (95 %-KI {}–{})",
                    format_decimal(lower),
                    format_decimal(upper)
                ));
            }
        }
        None => text.push_str(note.filter(|n| !n.trim().is_empty()).unwrap_or("–")),
    }
    if let Some(r) = clean_percent(reference) {
        text.push_str(&format!(", Referenz {}", format_percent(r)));
    }
    text
}

/// The caller's summary followed by the generated parts, separated by
/// semicolons and closed with a full stop.
pub(super) fn chart_desc(summary: &str, parts: Vec<String>) -> String {
    let mut text = summary.trim().to_string();
    if !parts.is_empty() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&parts.join("; "));
        text.push('.');
    }
    text
}

/// The figure shown instead of a chart when there is nothing to draw.
pub(super) fn empty_figure(
    kind: &'static str,
    id: String,
    title: String,
    empty_text: String,
) -> AnyView {
    view! {
        <figure class=format!("chart {kind} chart-empty-state") id=id>
            <figcaption class="chart-title">{title}</figcaption>
            <p class="chart-empty">{empty_text}</p>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_ids() {
        assert_eq!(truncate("kurz", 38), "kurz");
        let long = "Frühes Einstiegsalter in problematisches Verhalten (Gewalt)";
        let short = truncate(long, 38);
        assert_eq!(short.chars().count(), 38);
        assert!(short.ends_with('…'));
        assert_eq!(safe_id("profil nord/1"), "profil-nord-1");
        assert_eq!(safe_id("  "), "chart");
    }
}
