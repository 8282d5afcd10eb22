//! Numbers as the charts print them: German decimal comma, a real minus
//! sign, one decimal rounded half away from zero, and the dot-decimal
//! `data-*` values that tests and scripts read.

/// Rounds half away from zero to one decimal; `-0.0` becomes `0.0`.
///
/// Rounding explicitly (rather than relying on `{:.1}`) makes 38.25 → 38.3
/// as people expect from a report, and keeps the SVG, its `data-*`
/// attributes and the description in agreement.
pub(super) fn round1(value: f64) -> f64 {
    let rounded = (value * 10.0).round() / 10.0;
    // Adding +0.0 turns -0.0 into +0.0 so that nothing prints as "-0.0".
    rounded + 0.0
}

/// One decimal with a decimal comma ("38,3"); "–" for non-finite input.
pub(super) fn format_decimal(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    format!("{:.1}", round1(value)).replace('.', ",")
}

/// Formats a percentage the German way: one decimal, decimal comma, a space
/// and "%" (38.25 → "38,3 %"). Non-finite input gives "–".
///
/// The value is not clamped: the charts clamp before formatting.
pub fn format_percent(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    format!("{} %", format_decimal(value))
}

/// Formats a difference in percentage points: always signed, one decimal,
/// decimal comma, a real minus sign (U+2212), "Pp." ("−13,6 Pp.",
/// "+2,0 Pp."; zero has no sign: "0,0 Pp."). Non-finite input gives "–".
pub fn format_points(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    let rounded = round1(value);
    let sign = if rounded > 0.0 {
        "+"
    } else if rounded < 0.0 {
        "\u{2212}"
    } else {
        ""
    };
    format!("{sign}{} Pp.", format_decimal(rounded.abs()))
}

/// Formats a relative difference in percent like [`format_points`], with
/// "%" instead of "Pp." ("+12,3 %", "−4,0 %").
pub fn format_relative_percent(value: f64) -> String {
    match format_points(value).strip_suffix(" Pp.") {
        Some(number) => format!("{number} %"),
        None => "–".to_string(),
    }
}

/// The short signed whole-number difference shown inside a heat-map cell
/// ("+12", "−3", "0"); "–" for non-finite input.
pub(super) fn format_points_short(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    let rounded = value.round() + 0.0;
    if rounded > 0.0 {
        format!("+{rounded:.0}")
    } else if rounded < 0.0 {
        format!("\u{2212}{:.0}", rounded.abs())
    } else {
        "0".to_string()
    }
}

/// One decimal with a dot ("38.3"): the format of the `data-*` attributes
/// that browser tests compare with the CSV exports.
pub(super) fn data_value(value: f64) -> String {
    format!("{:.1}", round1(value))
}

/// An SVG coordinate: at most two decimals, no trailing zeros, never `NaN`.
pub(super) fn num(value: f64) -> String {
    if !value.is_finite() {
        return "0".to_string();
    }
    let text = format!("{:.2}", value + 0.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_uses_decimal_comma_and_rounds_half_up() {
        assert_eq!(format_percent(38.25), "38,3 %");
        assert_eq!(format_percent(38.2), "38,2 %");
        assert_eq!(format_percent(0.0), "0,0 %");
        assert_eq!(format_percent(-0.04), "0,0 %");
        assert_eq!(format_percent(100.0), "100,0 %");
        assert_eq!(format_percent(f64::NAN), "–");
        assert_eq!(format_percent(f64::INFINITY), "–");
    }

    #[test]
    fn points_are_signed_with_a_real_minus() {
        assert_eq!(format_points(-13.6), "\u{2212}13,6 Pp.");
        assert_eq!(format_points(2.0), "+2,0 Pp.");
        assert_eq!(format_points(0.04), "0,0 Pp.");
        assert_eq!(format_points(-0.04), "0,0 Pp.");
        assert_eq!(format_points(f64::NAN), "–");
        assert_eq!(format_points_short(12.4), "+12");
        assert_eq!(format_points_short(-2.5), "\u{2212}3");
        assert_eq!(format_points_short(-0.3), "0");
        assert_eq!(format_points_short(f64::NEG_INFINITY), "–");
        assert_eq!(format_relative_percent(12.34), "+12,3 %");
        assert_eq!(format_relative_percent(-4.0), "\u{2212}4,0 %");
        assert_eq!(format_relative_percent(f64::NAN), "–");
    }

    #[test]
    fn data_values_use_a_dot_and_one_decimal() {
        assert_eq!(data_value(38.25), "38.3");
        assert_eq!(data_value(27.0), "27.0");
        assert_eq!(data_value(-0.01), "0.0");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(f64::NAN), "0");
    }
}
