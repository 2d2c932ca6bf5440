//! Data tables with a caption for screen readers and a horizontal scroll on
//! narrow screens instead of a broken layout.

use leptos::prelude::*;

/// A table with column headers; rows are the children (`<tr>` elements).
#[component]
pub fn Table(
    children: Children,
    #[prop(into)] caption: String,
    headers: Vec<&'static str>,
    #[prop(optional)] caption_visible: bool,
) -> impl IntoView {
    let region_label = caption.clone();
    view! {
        <div class="table-wrap" role="region" aria-label=region_label tabindex="0">
            <table class="table">
                <caption class=if caption_visible { "table-caption" } else { "sr-only" }>{caption}</caption>
                <thead>
                    <tr>{headers.into_iter().map(|header| view! { <th scope="col">{header}</th> }).collect_view()}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
