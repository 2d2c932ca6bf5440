//! Portico's UI kit: the few building blocks every page is made of, so that
//! spacing, type and colour stay consistent. Their look lives in
//! `style/main.css` (`@layer components`); pages compose them with layout
//! utilities only.

pub mod badge;
pub mod button;
pub mod card;
pub mod dialog;
pub mod empty_state;
pub mod facet;
pub mod field;
pub mod icons;
pub mod page_header;
pub mod skeleton;
pub mod table;
pub mod tabs;
pub mod toast;

pub use badge::{Badge, Tone};
pub use button::{Button, ButtonLink, Variant};
pub use card::Card;
pub use dialog::Dialog;
pub use empty_state::EmptyState;
pub use facet::FacetOption;
pub use field::Field;
pub use page_header::{aria_bool, PageHeader};
pub use skeleton::Skeleton;
pub use table::Table;
pub use tabs::{Tab, TabPanel, Tabs};
pub use toast::{use_toasts, Toaster};
