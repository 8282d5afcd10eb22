//! The scales every chart kind shares: values cleaned for drawing,
//! percent and value to coordinates, text width estimates and truncation.

/// A percentage fit for drawing: `None` if missing or not finite, otherwise
/// clamped to 0–100.
pub(super) fn clean_percent(value: Option<f64>) -> Option<f64> {
    value
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(0.0, 100.0) + 0.0)
}

/// A confidence interval fit for drawing: both bounds finite, clamped to
/// 0–100 and in order (swapped if given the wrong way round).
pub(super) fn clean_ci(ci: Option<(f64, f64)>) -> Option<(f64, f64)> {
    let (a, b) = ci?;
    let a = clean_percent(Some(a))?;
    let b = clean_percent(Some(b))?;
    Some((a.min(b), a.max(b)))
}

/// Horizontal offset of `percent` in a plot `plot_width` wide whose left
/// edge is 0; clamped to the plot, `NaN` counts as 0.
pub(super) fn x_of(percent: f64, plot_width: f64) -> f64 {
    let percent = if percent.is_finite() {
        percent.clamp(0.0, 100.0)
    } else {
        0.0
    };
    let width = if plot_width.is_finite() {
        plot_width.max(0.0)
    } else {
        0.0
    };
    percent / 100.0 * width
}

/// Vertical offset (from the top of the plot) of `value` on an axis from 0
/// (bottom) to `y_max` (top); clamped to the plot, `NaN` counts as 0.
pub(super) fn y_of(value: f64, y_max: f64, plot_height: f64) -> f64 {
    let y_max = if y_max.is_finite() && y_max > 0.0 {
        y_max
    } else {
        100.0
    };
    let value = if value.is_finite() {
        value.clamp(0.0, y_max)
    } else {
        0.0
    };
    let height = if plot_height.is_finite() {
        plot_height.max(0.0)
    } else {
        0.0
    };
    height * (1.0 - value / y_max)
}

/// Rough width of a text in SVG units: charts cannot measure text on the
/// server, so layout uses a generous average glyph width.
pub(super) fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * font_size * 0.6
}

pub(super) fn truncate(text: &str, max_chars: usize) -> String {
    let max_chars = max_chars.max(1);
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(max_chars - 1).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_clamps() {
        assert_eq!(x_of(0.0, 400.0), 0.0);
        assert_eq!(x_of(50.0, 400.0), 200.0);
        assert_eq!(x_of(100.0, 400.0), 400.0);
        assert_eq!(x_of(140.0, 400.0), 400.0);
        assert_eq!(x_of(-5.0, 400.0), 0.0);
        assert_eq!(x_of(f64::NAN, 400.0), 0.0);
        assert_eq!(x_of(50.0, f64::NAN), 0.0);
        assert_eq!(y_of(0.0, 50.0, 100.0), 100.0);
        assert_eq!(y_of(50.0, 50.0, 100.0), 0.0);
        assert_eq!(y_of(80.0, 50.0, 100.0), 0.0);
        assert_eq!(y_of(25.0, 50.0, 100.0), 50.0);
        assert_eq!(y_of(f64::NAN, 50.0, 100.0), 100.0);
        assert_eq!(y_of(50.0, 0.0, 100.0), 50.0);
    }

    #[test]
    fn cleaning_clamps_and_orders() {
        assert_eq!(clean_percent(Some(120.0)), Some(100.0));
        assert_eq!(clean_percent(Some(-3.0)), Some(0.0));
        assert_eq!(clean_percent(Some(f64::NAN)), None);
        assert_eq!(clean_ci(Some((43.5, 33.1))), Some((33.1, 43.5)));
        assert_eq!(clean_ci(Some((-1.0, 140.0))), Some((0.0, 100.0)));
        assert_eq!(clean_ci(Some((f64::NAN, 10.0))), None);
    }
}
