use crate::i18n::*;
use leptos::prelude::*;

/// Switches the UI between German and English.
///
/// Without JavaScript it is a plain link to `/language/{locale}`, which sets
/// the language cookie and sends the browser back; once hydrated it switches
/// in place without a reload.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let other = move || match i18n.get_locale() {
        Locale::de => Locale::en,
        Locale::en => Locale::de,
    };
    let href = move || format!("/language/{}", other());
    let on_click = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        i18n.set_locale(other());
    };
    view! {
        <a
            class="language-switch"
            href=href
            hreflang=move || other().to_string()
            title=move || t_string!(i18n, lang_switch_label)
            on:click=on_click
        >
            {t!(i18n, lang_switch)}
        </a>
    }
}
