//! Toasts: short messages that confirm an action, announced politely to
//! screen readers and dismissed after a few seconds or by hand.

use super::badge::Tone;
use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq)]
struct Toast {
    id: u64,
    tone: Tone,
    message: String,
}

/// The toast queue of the page.
#[derive(Clone, Copy, Debug)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next_id: RwSignal<u64>,
}

impl Toasts {
    /// Shows a message; it goes away by itself after five seconds.
    pub fn show(self, tone: Tone, message: impl Into<String>) {
        let id = self.next_id.get_untracked();
        self.next_id.set(id + 1);
        self.items.update(|items| items.push(Toast { id, tone, message: message.into() }));
        #[cfg(any(feature = "hydrate", feature = "csr"))]
        set_timeout(move || self.dismiss(id), std::time::Duration::from_secs(5));
    }

    pub fn dismiss(self, id: u64) {
        self.items.update(|items| items.retain(|toast| toast.id != id));
    }
}

/// Creates the page's toast queue; call once, in `App`.
pub fn provide_toasts() -> Toasts {
    let toasts = Toasts { items: RwSignal::new(Vec::new()), next_id: RwSignal::new(0) };
    provide_context(toasts);
    toasts
}

pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(provide_toasts)
}

/// Where toasts appear; place once in the layout.
#[component]
pub fn Toaster() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toaster" role="status" aria-live="polite">
            <For each=move || toasts.items.get() key=|toast| toast.id let:toast>
                <div class=format!("toast toast-{}", tone_name(toast.tone)) data-testid="toast">
                    <span class="toast-message">{toast.message.clone()}</span>
                    <button
                        type="button"
                        class="toast-close"
                        aria-label="Dismiss notification"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        {super::icons::close()}
                    </button>
                </div>
            </For>
        </div>
    }
}

fn tone_name(tone: Tone) -> &'static str {
    match tone {
        Tone::Neutral => "neutral",
        Tone::Accent => "accent",
        Tone::Success => "success",
        Tone::Warning => "warning",
        Tone::Danger => "danger",
    }
}
