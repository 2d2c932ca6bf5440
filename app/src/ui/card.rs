//! A card: a titled surface grouping related content.

use leptos::prelude::*;

#[component]
pub fn Card(
    children: Children,
    #[prop(optional, into)] title: Option<String>,
    #[prop(optional, into)] description: Option<String>,
    #[prop(optional, into)] class: String,
) -> impl IntoView {
    view! {
        <section class=format!(
            "card {class}",
        )>
            {title
                .map(|title| {
                    view! {
                        <header class="card-header">
                            <h2 class="card-title">{title}</h2>
                            {description.map(|text| view! { <p class="card-description">{text}</p> })}
                        </header>
                    }
                })} <div class="card-body">{children()}</div>
        </section>
    }
}
