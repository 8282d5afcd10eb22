//! One-time access codes that pupils type to open the questionnaire.
//!
//! A code is [`LENGTH`] symbols from [`ALPHABET`]: the digits and capital
//! letters without those that look alike on a printed sheet or a tablet
//! screen (`0`/`O`, `1`/`I`/`l`; lowercase is never shown). Codes are printed
//! in groups of three, `K7M-4QX-9TB`, and [`AccessCode::parse`] accepts what a
//! pupil is likely to type: lowercase, spaces or dashes anywhere.
//!
//! Codes are drawn uniformly at random from a cryptographically secure
//! generator ([`AccessCode::generate`], server only), so one code carries
//! [`entropy_bits`] ≈ 44.6 bits and cannot be guessed from another one.
//! Storage keeps only a hash of [`AccessCode::as_str`]; the plain code exists
//! only on the printed sheet.
//!
//! `Debug` does not show the code, so that a code never lands in a log by
//! accident; `Display` (the grouped form) is for the printed sheet only.

use std::fmt;

/// The symbols of a code: `2`–`9` and `A`–`Z` without `I`, `L` and `O`
/// (31 symbols, about 4.95 bits each).
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Symbols per code.
pub const LENGTH: usize = 9;

/// Symbols per printed group (`K7M-4QX-9TB`).
pub const GROUP: usize = 3;

/// The least entropy a code must have, in bits.
pub const MIN_ENTROPY_BITS: u32 = 40;

// Checked at compile time: 31^9 ≈ 2.6 · 10^13 ≥ 2^40 ≈ 1.1 · 10^12.
const _: () = assert!(
    (ALPHABET.len() as u64).pow(LENGTH as u32) >= 1u64 << MIN_ENTROPY_BITS,
    "access codes must carry at least MIN_ENTROPY_BITS bits"
);

/// Entropy of one uniformly drawn code in bits: `LENGTH · log2(31)` ≈ 44.6.
pub fn entropy_bits() -> f64 {
    LENGTH as f64 * (ALPHABET.len() as f64).log2()
}

/// A well-formed access code: exactly [`LENGTH`] symbols of [`ALPHABET`],
/// without separators.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccessCode([u8; LENGTH]);

impl AccessCode {
    /// Normalises and checks what a pupil typed: surrounding and inner
    /// whitespace and dashes are dropped, lowercase is uppercased, and every
    /// remaining character must be in [`ALPHABET`].
    ///
    /// ```
    /// use app::domain::survey::access_code::AccessCode;
    /// let code = AccessCode::parse(" k7m 4qx-9tb ").unwrap();
    /// assert_eq!(code.to_string(), "K7M-4QX-9TB");
    /// ```
    pub fn parse(input: &str) -> Result<AccessCode, InvalidAccessCode> {
        let mut symbols = Vec::with_capacity(LENGTH);
        for character in input.chars().filter(|c| !is_separator(*c)) {
            let upper = character.to_ascii_uppercase();
            let position = symbols.len() + 1;
            match u8::try_from(upper).ok().filter(|b| ALPHABET.contains(b)) {
                Some(symbol) => symbols.push(symbol),
                None => {
                    return Err(InvalidAccessCode::Character {
                        character,
                        position,
                    });
                }
            }
        }
        let found = symbols.len();
        <[u8; LENGTH]>::try_from(symbols)
            .map(AccessCode)
            .map_err(|_| InvalidAccessCode::Length { found })
    }

    /// Builds a code from [`LENGTH`] indices into [`ALPHABET`]; `None` if an
    /// index is out of range. The deterministic core of
    /// [`AccessCode::generate`].
    pub fn from_indices(indices: [u8; LENGTH]) -> Option<AccessCode> {
        let mut symbols = [0; LENGTH];
        for (symbol, index) in symbols.iter_mut().zip(indices) {
            *symbol = *ALPHABET.get(usize::from(index))?;
        }
        Some(AccessCode(symbols))
    }

    /// Draws a code uniformly at random.
    ///
    /// Takes a cryptographically secure generator (the `CryptoRng` bound),
    /// e.g. `rand::rng()` or `StdRng::from_os_rng()`: codes must not be
    /// predictable from other codes. Each symbol comes from 5 random bits;
    /// the value 31 is rejected and drawn again, so every symbol is exactly
    /// uniform (no modulo bias).
    #[cfg(feature = "ssr")]
    pub fn generate<R: rand::CryptoRng + ?Sized>(rng: &mut R) -> AccessCode {
        let mut indices = [0u8; LENGTH];
        for index in &mut indices {
            *index = loop {
                let candidate = (rng.next_u32() & 0b1_1111) as u8;
                if usize::from(candidate) < ALPHABET.len() {
                    break candidate;
                }
            };
        }
        // Every index is below ALPHABET.len().
        AccessCode::from_indices(indices).expect("indices are in range")
    }

    /// The normalised code, without separators, e.g. `K7M4QX9TB`. This is
    /// the form that is hashed for storage.
    pub fn as_str(&self) -> &str {
        // Only ASCII symbols of ALPHABET are ever stored in self.0.
        std::str::from_utf8(&self.0).expect("access codes are ASCII")
    }
}

fn is_separator(c: char) -> bool {
    // Dashes that phone and tablet keyboards substitute for "-" count too.
    c.is_whitespace() || matches!(c, '-' | '‐' | '‑' | '‒' | '–' | '—' | '−' | '_')
}

/// The grouped form for the printed sheet: `K7M-4QX-9TB`.
impl fmt::Display for AccessCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.as_str().as_bytes().chunks(GROUP).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            f.write_str(std::str::from_utf8(group).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

/// Redacted: a code must never appear in logs or error reports.
impl fmt::Debug for AccessCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessCode(<redacted>)")
    }
}

/// Why typed text is not an access code. The messages are meant for the
/// pupil (translated by the UI) and name what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAccessCode {
    /// A character that never occurs in a code.
    #[error(
        "\"{character}\" (character {position} of the code) does not occur in access codes; codes use only the digits 2 to 9 and the capital letters A to Z without I, L and O"
    )]
    Character {
        /// The character as typed.
        character: char,
        /// Its 1-based position among the code's characters (spaces and
        /// dashes not counted).
        position: usize,
    },
    /// Too few or too many characters.
    #[error("an access code has {LENGTH} characters, found {found}")]
    Length {
        /// Characters found (spaces and dashes not counted).
        found: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_carries_at_least_forty_bits() {
        // python3 -c "import math; print(9 * math.log2(31))" → 44.58776679348187
        assert!(entropy_bits() >= f64::from(MIN_ENTROPY_BITS));
        assert!(
            (entropy_bits() - 44.587_766_793_481_87).abs() < 1e-9,
            "{}",
            entropy_bits()
        );
    }

    #[test]
    fn the_alphabet_has_no_ambiguous_lowercase_or_repeated_symbols() {
        for ambiguous in b"0O1Il" {
            assert!(!ALPHABET.contains(ambiguous), "{}", *ambiguous as char);
        }
        assert!(
            ALPHABET
                .iter()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        );
        let mut sorted = ALPHABET.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ALPHABET.len());
    }

    #[test]
    fn parse_accepts_what_pupils_type() {
        let expected = AccessCode(*b"K7M4QX9TB");
        for typed in [
            "K7M-4QX-9TB",
            "k7m 4qx-9tb",
            "  K7M4QX9TB\n",
            "k7m–4qx–9tb",
            "K 7 M 4 Q X 9 T B",
        ] {
            assert_eq!(AccessCode::parse(typed), Ok(expected.clone()), "{typed:?}");
        }
    }

    #[test]
    fn parse_names_the_bad_character_and_its_position() {
        let error = AccessCode::parse("K7M-4QX-9T0").unwrap_err();
        assert_eq!(
            error,
            InvalidAccessCode::Character {
                character: '0',
                position: 9
            }
        );
        let message = error.to_string();
        assert!(
            message.starts_with("\"0\" (character 9 of the code)"),
            "{message}"
        );
        // Lowercase l and o become L and O, which are not code symbols either;
        // the message shows the character as typed.
        assert_eq!(
            AccessCode::parse("l7m4qx9tb"),
            Err(InvalidAccessCode::Character {
                character: 'l',
                position: 1
            })
        );
        assert_eq!(
            AccessCode::parse("K7M4ÄX9TB"),
            Err(InvalidAccessCode::Character {
                character: 'Ä',
                position: 5
            })
        );
    }

    #[test]
    fn parse_rejects_wrong_lengths() {
        assert_eq!(
            AccessCode::parse("K7M-4QX-9T"),
            Err(InvalidAccessCode::Length { found: 8 })
        );
        assert_eq!(
            AccessCode::parse("K7M-4QX-9TBB"),
            Err(InvalidAccessCode::Length { found: 10 })
        );
        assert_eq!(
            AccessCode::parse(" - "),
            Err(InvalidAccessCode::Length { found: 0 })
        );
        assert_eq!(
            AccessCode::parse("K7M").unwrap_err().to_string(),
            "an access code has 9 characters, found 3"
        );
    }

    #[test]
    fn format_and_parse_round_trip() {
        for start in 0..ALPHABET.len() {
            let indices: [u8; LENGTH] =
                std::array::from_fn(|i| ((start + 7 * i) % ALPHABET.len()) as u8);
            let code = AccessCode::from_indices(indices).unwrap();
            let printed = code.to_string();
            assert_eq!(printed.len(), 11);
            assert_eq!(printed.matches('-').count(), 2);
            assert_eq!(AccessCode::parse(&printed), Ok(code.clone()));
            assert_eq!(AccessCode::parse(code.as_str()), Ok(code.clone()));
            assert_eq!(
                AccessCode::parse(&printed.to_lowercase()),
                Ok(code.clone()),
                "{printed}"
            );
        }
        assert_eq!(AccessCode::from_indices([31; LENGTH]), None);
    }

    #[test]
    fn debug_does_not_show_the_code() {
        let code = AccessCode::parse("K7M-4QX-9TB").unwrap();
        let debug = format!("{code:?} {:?}", Some(&code));
        assert!(!debug.contains("K7M"), "{debug}");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn generated_codes_are_valid_distinct_and_use_every_symbol() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
        let codes: Vec<AccessCode> = (0..2_000).map(|_| AccessCode::generate(&mut rng)).collect();
        let mut counts = [0u32; 31];
        for code in &codes {
            assert_eq!(AccessCode::parse(&code.to_string()).as_ref(), Ok(code));
            for symbol in code.as_str().bytes() {
                counts[ALPHABET.iter().position(|&a| a == symbol).unwrap()] += 1;
            }
        }
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), codes.len());
        // 18 000 symbols, 580.6 expected per symbol, SD ≈ 23.7: every symbol
        // occurs and none is far off (±6 SD).
        for (symbol, count) in ALPHABET.iter().zip(counts) {
            assert!((438..=723).contains(&count), "{}: {count}", *symbol as char);
        }
        // The thread-local generator works too (and is a CryptoRng).
        let code = AccessCode::generate(&mut rand::rng());
        assert_eq!(code.as_str().len(), LENGTH);
    }
}
