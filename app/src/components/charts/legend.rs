//! The legend under a chart: swatches laid out in rows that wrap at the
//! chart's width.

use super::format::*;
use super::scale::*;
use leptos::prelude::*;

/// The small picture in front of a legend text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Swatch {
    /// A confidence-interval whisker with end caps.
    Whisker,
    /// The bar chart's vertical reference marker.
    RefMarker,
    /// An outlined bar with the "▲" marker.
    Elevated,
    /// The trend chart's series: a line through a point.
    Series,
    /// The trend chart's dashed reference line.
    RefLine,
    /// The trend chart's large marker for a significant change.
    SignificantPoint,
    /// The heat map's bordered cell with "*".
    SignificantCell,
    /// The heat map's hatched cell with "–".
    SuppressedCell,
}

/// Width of every legend swatch.
pub(super) const SWATCH_WIDTH: f64 = 22.0;

/// Gap between swatch and text.
pub(super) const SWATCH_GAP: f64 = 5.0;

/// Gap between legend items on one line.
pub(super) const LEGEND_ITEM_GAP: f64 = 18.0;

/// Height of a legend line.
pub(super) const LEGEND_LINE_HEIGHT: f64 = 18.0;

/// Font size of legend texts.
pub(super) const LEGEND_FONT: f64 = 11.0;

/// Places legend items left to right from `x0`, wrapping before `max_x`.
/// Returns the top-left corner of each item and the total height.
pub(super) fn layout_legend(
    texts: &[&str],
    x0: f64,
    max_x: f64,
    y0: f64,
) -> (Vec<(f64, f64)>, f64) {
    let mut positions = Vec::with_capacity(texts.len());
    let (mut x, mut y) = (x0, y0);
    for text in texts {
        let width = SWATCH_WIDTH + SWATCH_GAP + text_width(text, LEGEND_FONT);
        if x > x0 && x + width > max_x {
            x = x0;
            y += LEGEND_LINE_HEIGHT;
        }
        positions.push((x, y));
        x += width + LEGEND_ITEM_GAP;
    }
    let height = if texts.is_empty() {
        0.0
    } else {
        y - y0 + LEGEND_LINE_HEIGHT
    };
    (positions, height)
}

/// Draws a swatch whose box starts at (`x`, `y`) and is one legend line high.
pub(super) fn swatch_view(swatch: Swatch, x: f64, y: f64, hatch_url: &str) -> AnyView {
    let middle = y + LEGEND_LINE_HEIGHT / 2.0 - 1.0;
    match swatch {
        Swatch::Whisker => view! {
            <g class="ci-group">
                <line class="ci" x1=num(x + 2.0) x2=num(x + 20.0) y1=num(middle) y2=num(middle)></line>
                <line class="ci" x1=num(x + 2.0) x2=num(x + 2.0) y1=num(middle - 4.0) y2=num(middle + 4.0)></line>
                <line class="ci" x1=num(x + 20.0) x2=num(x + 20.0) y1=num(middle - 4.0) y2=num(middle + 4.0)></line>
            </g>
        }
        .into_any(),
        Swatch::RefMarker => view! {
            <line class="ref-marker" x1=num(x + 11.0) x2=num(x + 11.0) y1=num(middle - 7.0) y2=num(middle + 7.0)></line>
        }
        .into_any(),
        Swatch::Elevated => view! {
            <g>
                <text class="elevated-marker" x=num(x + 4.0) y=num(middle + 4.0) text-anchor="middle" font-size="10">"▲"</text>
                <rect class="bar risk elevated" x=num(x + 10.0) y=num(middle - 5.0) width="12" height="10"></rect>
            </g>
        }
        .into_any(),
        Swatch::Series => view! {
            <g>
                <line class="series-line" x1=num(x) x2=num(x + 22.0) y1=num(middle) y2=num(middle)></line>
                <circle class="point" cx=num(x + 11.0) cy=num(middle) r="3.5"></circle>
            </g>
        }
        .into_any(),
        Swatch::RefLine => view! {
            <line class="ref-line" x1=num(x) x2=num(x + 22.0) y1=num(middle) y2=num(middle) stroke-dasharray="5 4"></line>
        }
        .into_any(),
        Swatch::SignificantPoint => view! {
            <circle class="point significant" cx=num(x + 11.0) cy=num(middle) r="5.5"></circle>
        }
        .into_any(),
        Swatch::SignificantCell => view! {
            <g>
                <rect class="heat-cell legend-cell significant" x=num(x + 1.0) y=num(middle - 7.0) width="20" height="14" fill="#ffffff"></rect>
                <text class="heat-text" x=num(x + 11.0) y=num(middle + 4.0) text-anchor="middle" font-size="11">"*"</text>
            </g>
        }
        .into_any(),
        Swatch::SuppressedCell => view! {
            <g>
                <rect class="heat-cell legend-cell suppressed" x=num(x + 1.0) y=num(middle - 7.0) width="20" height="14" fill=hatch_url.to_string()></rect>
                <text class="heat-text empty" x=num(x + 11.0) y=num(middle + 4.0) text-anchor="middle" font-size="11">"–"</text>
            </g>
        }
        .into_any(),
    }
}

/// A laid-out legend: swatches and texts at the given positions.
pub(super) fn legend_view(
    items: Vec<(Swatch, String)>,
    positions: &[(f64, f64)],
    hatch_url: &str,
) -> AnyView {
    let parts = items
        .into_iter()
        .zip(positions.iter().copied())
        .map(|((swatch, text), (x, y))| {
            view! {
                <g class="legend-item">
                    {swatch_view(swatch, x, y, hatch_url)}
                    <text class="legend-text" x=num(x + SWATCH_WIDTH + SWATCH_GAP) y=num(y + LEGEND_LINE_HEIGHT / 2.0 + 3.0) font-size="11">
                        {text}
                    </text>
                </g>
            }
        })
        .collect_view();
    view! { <g class="legend">{parts}</g> }.into_any()
}

/// Keeps only the legend items that have a text.
pub(super) fn non_empty_items(items: Vec<(Swatch, &str)>) -> Vec<(Swatch, String)> {
    items
        .into_iter()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(swatch, text)| (swatch, text.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_wraps() {
        let (positions, height) = layout_legend(&["a", "b"], 8.0, 700.0, 100.0);
        assert_eq!(positions.len(), 2);
        assert_eq!(positions[0].1, positions[1].1);
        assert_eq!(height, LEGEND_LINE_HEIGHT);
        let long = "x".repeat(60);
        let (positions, height) = layout_legend(&[long.as_str(), long.as_str()], 8.0, 352.0, 100.0);
        assert!(positions[1].1 > positions[0].1);
        assert_eq!(height, 2.0 * LEGEND_LINE_HEIGHT);
    }
}
