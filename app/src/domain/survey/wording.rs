//! The questionnaire's own words around the instrument's questions: buttons,
//! progress, the built-in demographic questions and the thank-you page, in
//! every language a pupil may answer in.
//!
//! These live here, not in the site's locale files (`app/locales/`), because
//! a pupil answers in the language chosen for the questionnaire (kept with
//! the draft), which may be one the rest of the site does not speak, e.g.
//! Turkish for a pupil in a German school. Languages without an entry fall
//! back to German, the language of the schools.

/// The fixed texts of the questionnaire pages in one language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SurveyWording {
    /// Language code (`"de"`, `"en"`, `"tr"`, …).
    pub language: &'static str,
    /// Accessible name of the progress bar.
    pub progress: &'static str,
    /// "Page {page} of {pages}", see [`SurveyWording::page_of`].
    page_of: &'static str,
    /// "About {minutes} min left", see [`SurveyWording::minutes_left`].
    minutes_left: &'static str,
    /// Button: previous page.
    pub back: &'static str,
    /// Button: next page.
    pub next: &'static str,
    /// Button on the last page.
    pub finish: &'static str,
    /// The built-in sex question.
    pub sex_question: &'static str,
    /// Sex options: female, male, diverse, no answer.
    pub sex_female: &'static str,
    /// See `sex_female`.
    pub sex_male: &'static str,
    /// See `sex_female`.
    pub sex_diverse: &'static str,
    /// See `sex_female`.
    pub sex_none: &'static str,
    /// The built-in home-district question.
    pub home_district_question: &'static str,
    /// Its "no answer" option.
    pub home_district_none: &'static str,
    /// Label of the language switch on the questionnaire pages.
    pub language_label: &'static str,
    /// Heading of the thank-you page.
    pub done_title: &'static str,
    /// Text of the thank-you page: saved, anonymous, code used up.
    pub done_text: &'static str,
}

impl SurveyWording {
    /// The wording in `language`, or German if there is none for it.
    pub fn for_language(language: &str) -> &'static SurveyWording {
        WORDINGS
            .iter()
            .find(|wording| wording.language == language)
            .unwrap_or(&WORDINGS[0])
    }

    /// Whether `language` has its own wording (else German is used).
    pub fn exists_for(language: &str) -> bool {
        WORDINGS.iter().any(|wording| wording.language == language)
    }

    /// "Seite 3 von 9" in this language.
    pub fn page_of(&self, page: usize, pages: usize) -> String {
        self.page_of
            .replace("{page}", &page.to_string())
            .replace("{pages}", &pages.to_string())
    }

    /// "noch etwa 5 Min." in this language.
    pub fn minutes_left(&self, minutes: u32) -> String {
        self.minutes_left.replace("{minutes}", &minutes.to_string())
    }
}

/// German first: [`SurveyWording::for_language`] falls back to it.
const WORDINGS: [SurveyWording; 3] = [
    SurveyWording {
        language: "de",
        progress: "Fortschritt",
        page_of: "Seite {page} von {pages}",
        minutes_left: "noch etwa {minutes} Min.",
        back: "Zurück",
        next: "Weiter",
        finish: "Fragebogen abschicken",
        sex_question: "Du bist …",
        sex_female: "weiblich",
        sex_male: "männlich",
        sex_diverse: "divers",
        sex_none: "möchte ich nicht sagen",
        home_district_question: "In welchem Stadtteil wohnst du?",
        home_district_none: "weiß nicht / möchte ich nicht sagen",
        language_label: "Sprache",
        done_title: "Vielen Dank!",
        done_text: "Deine Antworten sind gespeichert – anonym: ohne deinen Namen und ohne deinen \
                    Zugangscode, niemand kann sie dir zuordnen. Der Code ist jetzt verbraucht. \
                    Du kannst das Fenster jetzt schließen.",
    },
    SurveyWording {
        language: "en",
        progress: "Progress",
        page_of: "Page {page} of {pages}",
        minutes_left: "about {minutes} min left",
        back: "Back",
        next: "Next",
        finish: "Send questionnaire",
        sex_question: "You are …",
        sex_female: "female",
        sex_male: "male",
        sex_diverse: "diverse",
        sex_none: "I'd rather not say",
        home_district_question: "Which district do you live in?",
        home_district_none: "don't know / I'd rather not say",
        language_label: "Language",
        done_title: "Thank you!",
        done_text: "Your answers are saved – anonymously: without your name and without your \
                    access code, nobody can link them to you. The code is now used up. You can \
                    close the window now.",
    },
    // Demo translation written for Quartier; have it checked by a native
    // speaker before a real survey.
    SurveyWording {
        language: "tr",
        progress: "İlerleme",
        page_of: "Sayfa {page} / {pages}",
        minutes_left: "yaklaşık {minutes} dk. kaldı",
        back: "Geri",
        next: "İleri",
        finish: "Anketi gönder",
        sex_question: "Cinsiyetin",
        sex_female: "kız",
        sex_male: "erkek",
        sex_diverse: "diğer",
        sex_none: "söylemek istemiyorum",
        home_district_question: "Hangi semtte oturuyorsun?",
        home_district_none: "bilmiyorum / söylemek istemiyorum",
        language_label: "Dil",
        done_title: "Çok teşekkürler!",
        done_text: "Cevapların kaydedildi – anonim olarak: adın ve erişim kodun olmadan, kimse \
                    onları seninle ilişkilendiremez. Kod artık kullanıldı. Pencereyi şimdi \
                    kapatabilirsin.",
    },
];

/// The name of a language in that language ("Türkçe"), as a pupil looks for
/// it in a list; the code itself for languages not listed here.
pub fn language_name(language: &str) -> &str {
    match language {
        "de" => "Deutsch",
        "en" => "English",
        "tr" => "Türkçe",
        "ar" => "العربية",
        "uk" => "Українська",
        "ru" => "Русский",
        "pl" => "Polski",
        "ro" => "Română",
        "bg" => "Български",
        "fa" => "فارسی",
        "ku" => "Kurdî",
        "sq" => "Shqip",
        "hr" => "Hrvatski",
        "sr" => "Srpski",
        "bs" => "Bosanski",
        "el" => "Ελληνικά",
        "it" => "Italiano",
        "fr" => "Français",
        "es" => "Español",
        "ti" => "ትግርኛ",
        other => other,
    }
}

/// Whether `language` is written right to left (the page then sets
/// `dir="rtl"`).
pub fn is_right_to_left(language: &str) -> bool {
    matches!(
        language.split(['-', '_']).next().unwrap_or(language),
        "ar" | "fa" | "he" | "ur" | "ps" | "ckb" | "yi" | "dv" | "sd" | "ug"
    )
}

/// `"rtl"` or `"ltr"` for `language`.
pub fn text_direction(language: &str) -> &'static str {
    if is_right_to_left(language) {
        "rtl"
    } else {
        "ltr"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wording_has_every_text_and_both_placeholders() {
        for wording in &WORDINGS {
            assert!(wording.page_of.contains("{page}") && wording.page_of.contains("{pages}"));
            assert!(wording.minutes_left.contains("{minutes}"));
            for text in [
                wording.progress,
                wording.back,
                wording.next,
                wording.finish,
                wording.sex_question,
                wording.sex_female,
                wording.sex_male,
                wording.sex_diverse,
                wording.sex_none,
                wording.home_district_question,
                wording.home_district_none,
                wording.language_label,
                wording.done_title,
                wording.done_text,
            ] {
                assert!(!text.trim().is_empty(), "{}", wording.language);
            }
        }
    }

    #[test]
    fn languages_without_wording_fall_back_to_german() {
        assert_eq!(SurveyWording::for_language("tr").next, "İleri");
        assert_eq!(SurveyWording::for_language("xx").language, "de");
        assert!(!SurveyWording::exists_for("xx"));
        assert_eq!(
            SurveyWording::for_language("de").page_of(3, 9),
            "Seite 3 von 9"
        );
        assert_eq!(
            SurveyWording::for_language("en").minutes_left(4),
            "about 4 min left"
        );
        assert_eq!(
            SurveyWording::for_language("tr").page_of(3, 9),
            "Sayfa 3 / 9"
        );
    }

    #[test]
    fn arabic_is_right_to_left_and_turkish_is_not() {
        assert_eq!(text_direction("ar"), "rtl");
        assert_eq!(text_direction("fa-AF"), "rtl");
        assert_eq!(text_direction("tr"), "ltr");
        assert_eq!(language_name("tr"), "Türkçe");
        assert_eq!(language_name("xx"), "xx");
    }
}
