//! Light and dark themes: follow the operating system until the person picks
//! one, then remember the choice in `localStorage` (key `portico-theme`).
//!
//! The choice is applied as `data-theme` on `<html>` by a tiny script in the
//! document head, before first paint; the stylesheet keys every colour on it.

use leptos::prelude::*;

/// The key under which the choice is remembered.
pub const STORAGE_KEY: &str = "portico-theme";

/// Sets `data-theme` from the remembered choice or the OS preference, and
/// follows OS changes while the choice is "system".
pub const BOOT_SCRIPT: &str = r#"(function(){var d=document.documentElement,m=window.matchMedia('(prefers-color-scheme: dark)');function c(){try{return localStorage.getItem('portico-theme')||'system'}catch(e){return 'system'}}function a(){var t=c();d.dataset.themeChoice=t;d.dataset.theme=(t==='dark'||(t==='system'&&m.matches))?'dark':'light'}a();m.addEventListener('change',a);window.addEventListener('storage',a)})();"#;

/// What the person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeChoice {
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    pub const ALL: [ThemeChoice; 3] = [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::System => "System",
            Self::Light => "Light",
            Self::Dark => "Dark",
        }
    }

    pub fn parse(value: &str) -> Self {
        match value {
            "light" => Self::Light,
            "dark" => Self::Dark,
            _ => Self::System,
        }
    }
}

/// The theme state shared by the header toggle and the user menu.
#[derive(Clone, Copy, Debug)]
pub struct ThemeState {
    /// The remembered choice.
    pub choice: RwSignal<ThemeChoice>,
    /// Whether dark is showing now (the choice resolved against the OS).
    pub dark: RwSignal<bool>,
}

impl ThemeState {
    /// Creates the state; after hydration it reads what the boot script applied.
    pub fn provide() -> Self {
        let state = Self { choice: RwSignal::new(ThemeChoice::System), dark: RwSignal::new(false) };
        Effect::new(move |_| {
            state.sync_with_page();
            #[cfg(any(feature = "hydrate", feature = "csr"))]
            follow_os_changes(state);
        });
        provide_context(state);
        state
    }

    /// Reads what the page shows now (the boot script may have changed it).
    fn sync_with_page(self) {
        if let Some((choice, dark)) = read_applied_theme() {
            self.choice.set(choice);
            self.dark.set(dark);
        }
    }

    /// Applies and remembers a choice.
    pub fn choose(self, choice: ThemeChoice) {
        let dark = apply_theme(choice);
        self.choice.set(choice);
        self.dark.set(dark);
    }

    /// Switches to the opposite of what is showing now.
    pub fn toggle(self) {
        self.sync_with_page();
        let next = if self.dark.get_untracked() { ThemeChoice::Light } else { ThemeChoice::Dark };
        self.choose(next);
    }
}

pub fn use_theme() -> ThemeState {
    use_context::<ThemeState>().unwrap_or_else(ThemeState::provide)
}

/// Keeps the state in step when the OS switches theme while the choice is
/// "system" (the boot script's listener updates the page first).
#[cfg(any(feature = "hydrate", feature = "csr"))]
fn follow_os_changes(state: ThemeState) {
    use leptos::wasm_bindgen::closure::Closure;
    use leptos::wasm_bindgen::JsCast;
    let Some(query) =
        web_sys::window().and_then(|window| window.match_media("(prefers-color-scheme: dark)").ok().flatten())
    else {
        return;
    };
    let on_change = Closure::<dyn Fn()>::new(move || state.sync_with_page());
    let _ = query.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    // The listener lives as long as the page does.
    on_change.forget();
}

#[cfg(any(feature = "hydrate", feature = "csr"))]
fn read_applied_theme() -> Option<(ThemeChoice, bool)> {
    let root = web_sys::window()?.document()?.document_element()?;
    let choice = ThemeChoice::parse(&root.get_attribute("data-theme-choice").unwrap_or_default());
    let dark = root.get_attribute("data-theme").as_deref() == Some("dark");
    Some((choice, dark))
}

#[cfg(not(any(feature = "hydrate", feature = "csr")))]
fn read_applied_theme() -> Option<(ThemeChoice, bool)> {
    None
}

/// Stores the choice and sets `data-theme`; returns whether dark now shows.
#[cfg(any(feature = "hydrate", feature = "csr"))]
fn apply_theme(choice: ThemeChoice) -> bool {
    let Some(window) = web_sys::window() else { return false };
    if let Ok(Some(storage)) = window.local_storage() {
        let _ = storage.set_item(STORAGE_KEY, choice.as_str());
    }
    let prefers_dark =
        window.match_media("(prefers-color-scheme: dark)").ok().flatten().is_some_and(|query| query.matches());
    let dark = match choice {
        ThemeChoice::Dark => true,
        ThemeChoice::Light => false,
        ThemeChoice::System => prefers_dark,
    };
    if let Some(root) = window.document().and_then(|document| document.document_element()) {
        let _ = root.set_attribute("data-theme-choice", choice.as_str());
        let _ = root.set_attribute("data-theme", if dark { "dark" } else { "light" });
    }
    dark
}

#[cfg(not(any(feature = "hydrate", feature = "csr")))]
fn apply_theme(choice: ThemeChoice) -> bool {
    choice == ThemeChoice::Dark
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_survives_its_round_trip_through_storage_text() {
        for choice in ThemeChoice::ALL {
            assert_eq!(ThemeChoice::parse(choice.as_str()), choice);
        }
        assert_eq!(ThemeChoice::parse("purple"), ThemeChoice::System);
    }

    #[test]
    fn the_boot_script_reads_the_same_key_the_app_writes() {
        assert!(BOOT_SCRIPT.contains(STORAGE_KEY));
    }

    #[test]
    fn the_trunk_dev_build_boots_the_theme_the_same_way() {
        let index = include_str!("../../frontend/index.html");
        assert!(index.contains(BOOT_SCRIPT), "frontend/index.html must carry theme::BOOT_SCRIPT verbatim");
    }
}
