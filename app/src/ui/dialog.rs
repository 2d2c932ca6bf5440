//! A modal dialog: focus moves into it when it opens, Escape or the backdrop
//! closes it, and the page behind is inert to assistive technology.

use leptos::html;
use leptos::prelude::*;

#[component]
pub fn Dialog(open: RwSignal<bool>, #[prop(into)] title: String, children: ChildrenFn) -> impl IntoView {
    let title_id = format!("dialog-{}", title.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    let close_button = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if open.get() {
            if let Some(button) = close_button.get() {
                let _ = button.focus();
            }
        }
    });
    let children = StoredValue::new(children);
    view! {
        <Show when=move || open.get()>
            <div class="dialog-backdrop" on:click=move |_| open.set(false)></div>
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id.clone()
                on:keydown=move |event| {
                    if event.key() == "Escape" {
                        open.set(false);
                    }
                }
            >
                <header class="dialog-header">
                    <h2 class="dialog-title" id=title_id.clone()>
                        {title.clone()}
                    </h2>
                    <button
                        type="button"
                        class="btn btn-ghost btn-icon"
                        aria-label="Close dialog"
                        node_ref=close_button
                        on:click=move |_| open.set(false)
                    >
                        {super::icons::close()}
                    </button>
                </header>
                <div class="dialog-body">{children.with_value(|children| children())}</div>
            </div>
        </Show>
    }
}
