//! Buttons, and links that look like buttons.

use leptos::ev::MouseEvent;
use leptos::prelude::*;
use leptos_router::components::A;

/// How prominent a button is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Variant {
    /// The one main action of a view.
    #[default]
    Primary,
    /// Other actions.
    Secondary,
    /// Low-emphasis actions in toolbars and menus.
    Ghost,
    /// Destructive actions.
    Danger,
}

impl Variant {
    fn class(self) -> &'static str {
        match self {
            Self::Primary => "btn btn-primary",
            Self::Secondary => "btn btn-secondary",
            Self::Ghost => "btn btn-ghost",
            Self::Danger => "btn btn-danger",
        }
    }
}

/// A `<button>`; `busy` disables it and says so to assistive technology.
#[component]
pub fn Button(
    children: Children,
    #[prop(optional)] variant: Variant,
    #[prop(optional, into)] on_click: Option<Callback<MouseEvent>>,
    #[prop(optional, into)] busy: Signal<bool>,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional)] submit: bool,
    #[prop(optional, into)] test_id: Option<&'static str>,
) -> impl IntoView {
    view! {
        <button
            type=if submit { "submit" } else { "button" }
            class=variant.class()
            data-testid=test_id
            disabled=move || busy.get() || disabled.get()
            aria-busy=move || busy.get().then_some("true")
            on:click=move |event| {
                if let Some(on_click) = on_click {
                    on_click.run(event);
                }
            }
        >
            {children()}
        </button>
    }
}

/// An in-app link styled as a button.
#[component]
pub fn ButtonLink(children: Children, href: &'static str, #[prop(optional)] variant: Variant) -> impl IntoView {
    view! {
        <A href=href attr:class=variant.class()>
            {children()}
        </A>
    }
}
