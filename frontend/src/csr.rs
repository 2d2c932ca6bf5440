//! Client-side-rendered development build, driven by Trunk (`trunk serve`).
//!
//! The whole app runs in the browser and talks to a running `portico` for its
//! data through the same server-function URLs, proxied by Trunk (see Trunk.toml).

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
