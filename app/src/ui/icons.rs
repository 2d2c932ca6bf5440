//! Inline SVG icons (24px grid, stroke style), decorative unless labelled by
//! their button.

use leptos::prelude::*;

fn icon(paths: &'static str) -> AnyView {
    view! {
        <svg
            class="icon"
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
            inner_html=paths
        ></svg>
    }
    .into_any()
}

pub fn menu() -> AnyView {
    icon(r#"<path d="M4 6h16M4 12h16M4 18h16"/>"#)
}
pub fn close() -> AnyView {
    icon(r#"<path d="M18 6 6 18M6 6l12 12"/>"#)
}
pub fn sun() -> AnyView {
    icon(
        r#"<circle cx="12" cy="12" r="4"/><path d="M12 2v2M12 20v2M4.93 4.93l1.41 1.41M17.66 17.66l1.41 1.41M2 12h2M20 12h2M6.34 17.66l-1.41 1.41M19.07 4.93l-1.41 1.41"/>"#,
    )
}
pub fn moon() -> AnyView {
    icon(r#"<path d="M12 3a6 6 0 0 0 9 9 9 9 0 1 1-9-9Z"/>"#)
}
pub fn search() -> AnyView {
    icon(r#"<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>"#)
}
pub fn database() -> AnyView {
    icon(
        r#"<ellipse cx="12" cy="5" rx="8" ry="3"/><path d="M4 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5"/><path d="M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3"/>"#,
    )
}
pub fn clock() -> AnyView {
    icon(r#"<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>"#)
}
pub fn layers() -> AnyView {
    icon(r#"<path d="m12 2 10 5-10 5L2 7l10-5Z"/><path d="m2 17 10 5 10-5M2 12l10 5 10-5"/>"#)
}
pub fn package() -> AnyView {
    icon(r#"<path d="M21 8 12 3 3 8v8l9 5 9-5V8Z"/><path d="m3 8 9 5 9-5M12 13v8"/>"#)
}
pub fn plus() -> AnyView {
    icon(r#"<path d="M12 5v14M5 12h14"/>"#)
}
pub fn book() -> AnyView {
    icon(
        r#"<path d="M4 19.5A2.5 2.5 0 0 1 6.5 17H20V3H6.5A2.5 2.5 0 0 0 4 5.5v14Z"/><path d="M4 19.5A2.5 2.5 0 0 0 6.5 22H20v-5"/>"#,
    )
}
pub fn compass() -> AnyView {
    icon(r#"<circle cx="12" cy="12" r="9"/><path d="m16 8-2 6-6 2 2-6 6-2Z"/>"#)
}
pub fn activity() -> AnyView {
    icon(r#"<path d="M22 12h-4l-3 9L9 3l-3 9H2"/>"#)
}
pub fn user() -> AnyView {
    icon(r#"<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>"#)
}
pub fn alert() -> AnyView {
    icon(
        r#"<path d="M12 9v4M12 17h.01"/><path d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z"/>"#,
    )
}
pub fn star() -> AnyView {
    icon(r#"<path d="m12 3 2.8 5.7 6.2.9-4.5 4.4 1.1 6.2L12 17.3l-5.6 2.9 1.1-6.2L3 9.6l6.2-.9L12 3Z"/>"#)
}
pub fn refresh() -> AnyView {
    icon(r#"<path d="M21 12a9 9 0 1 1-3-6.7L21 8"/><path d="M21 3v5h-5"/>"#)
}
pub fn trash() -> AnyView {
    icon(r#"<path d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6"/>"#)
}
pub fn external() -> AnyView {
    icon(r#"<path d="M14 4h6v6M20 4l-9 9"/><path d="M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5"/>"#)
}
pub fn code() -> AnyView {
    icon(r#"<path d="m8 8-5 4 5 4M16 8l5 4-5 4"/>"#)
}
pub fn check() -> AnyView {
    icon(r#"<path d="m5 12 5 5L20 7"/>"#)
}
pub fn filter() -> AnyView {
    icon(r#"<path d="M3 5h18l-7 8v6l-4 2v-8L3 5Z"/>"#)
}
pub fn link() -> AnyView {
    icon(
        r#"<path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1"/><path d="M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"/>"#,
    )
}
pub fn logo() -> AnyView {
    view! {
        <svg class="logo-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
            <rect width="32" height="32" rx="8" fill="currentColor"></rect>
            <path
                d="M9 24V10h8a5 5 0 0 1 0 10h-4"
                class="logo-ink"
                fill="none"
                stroke-width="3"
                stroke-linecap="round"
                stroke-linejoin="round"
            ></path>
        </svg>
    }
    .into_any()
}
