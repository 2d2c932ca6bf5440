//! Small labels for states and kinds.

use leptos::prelude::*;

/// The colour family of a badge, chosen by meaning, not by hue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Neutral,
    Accent,
    Success,
    Warning,
    Danger,
}

impl Tone {
    pub fn class(self) -> &'static str {
        match self {
            Self::Neutral => "badge badge-neutral",
            Self::Accent => "badge badge-accent",
            Self::Success => "badge badge-success",
            Self::Warning => "badge badge-warning",
            Self::Danger => "badge badge-danger",
        }
    }
}

#[component]
pub fn Badge(children: Children, #[prop(optional)] tone: Tone) -> impl IntoView {
    view! { <span class=tone.class()>{children()}</span> }
}
