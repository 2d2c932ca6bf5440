//! A small relation graph for the entity page: the entity in the middle and
//! its related entities around it, one colour per relation type. Every node
//! is a link (reachable with Tab); the legend's buttons show or hide a
//! relation type; a missing entity is drawn dashed.

use super::entity_href;
use leptos::prelude::*;
use model::catalog::view::RelationGroup;

/// The most related entities drawn; the lists below the graph hold them all.
const MAX_NODES: usize = 24;
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 420.0;

struct Node {
    x: f64,
    y: f64,
    label: String,
    href: String,
    exists: bool,
    group: usize,
}

fn truncate(text: &str, length: usize) -> String {
    if text.chars().count() <= length {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(length - 1).collect::<String>())
    }
}

fn layout(groups: &[RelationGroup]) -> Vec<Node> {
    let targets: Vec<(usize, &model::catalog::view::RefLink)> = groups
        .iter()
        .enumerate()
        .flat_map(|(group, relations)| relations.targets.iter().map(move |target| (group, target)))
        .take(MAX_NODES)
        .collect();
    let count = targets.len().max(1) as f64;
    let (cx, cy) = (WIDTH / 2.0, HEIGHT / 2.0);
    targets
        .into_iter()
        .enumerate()
        .map(|(index, (group, target))| {
            let angle = std::f64::consts::TAU * index as f64 / count - std::f64::consts::FRAC_PI_2;
            // Alternate two rings when crowded so labels do not collide.
            let ring = if count > 12.0 && index % 2 == 1 { 0.62 } else { 0.86 };
            Node {
                x: cx + angle.cos() * (WIDTH / 2.0 - 70.0) * ring,
                y: cy + angle.sin() * (HEIGHT / 2.0 - 30.0) * ring,
                label: truncate(target.title.as_deref().unwrap_or(&target.name), 22),
                href: entity_href(&target.entity_ref),
                exists: target.exists,
                group,
            }
        })
        .collect()
}

#[component]
pub fn RelationGraph(#[prop(into)] center: String, groups: Vec<RelationGroup>) -> impl IntoView {
    let hidden = RwSignal::new(Vec::<usize>::new());
    let nodes = layout(&groups);
    let total: usize = groups.iter().map(|group| group.targets.len()).sum();
    let (cx, cy) = (WIDTH / 2.0, HEIGHT / 2.0);
    let legend = groups
        .iter()
        .enumerate()
        .map(|(index, group)| {
            let shown = move || !hidden.get().contains(&index);
            view! {
                <button
                    type="button"
                    class=format!("graph-legend-item rel-{}", index % 8)
                    aria-pressed=move || if shown() { "true" } else { "false" }
                    on:click=move |_| {
                        hidden
                            .update(|hidden| {
                                if let Some(at) = hidden.iter().position(|h| *h == index) {
                                    hidden.remove(at);
                                } else {
                                    hidden.push(index);
                                }
                            })
                    }
                >
                    <span class="graph-swatch" aria-hidden="true"></span>
                    {format!("{} ({})", group.label, group.targets.len())}
                </button>
            }
        })
        .collect_view();
    let edges = nodes
        .iter()
        .map(|node| {
            let group = node.group;
            view! {
                <line
                    class=format!("graph-edge rel-{}", group % 8)
                    x1=cx
                    y1=cy
                    x2=node.x
                    y2=node.y
                    visibility=move || if hidden.get().contains(&group) { "hidden" } else { "visible" }
                ></line>
            }
        })
        .collect_view();
    let node_views = nodes
        .into_iter()
        .map(|node| {
            let group = node.group;
            let class = format!("graph-node rel-{}{}", group % 8, if node.exists { "" } else { " graph-node-missing" });
            let title = if node.exists { node.label.clone() } else { format!("{} (not in the catalog)", node.label) };
            view! {
                <a
                    href=node.href
                    class=class
                    style:visibility=move || if hidden.get().contains(&group) { "hidden" } else { "visible" }
                >
                    <title>{title}</title>
                    <circle cx=node.x cy=node.y r="7"></circle>
                    <text x=node.x y=node.y + 22.0 text-anchor="middle">
                        {node.label}
                    </text>
                </a>
            }
        })
        .collect_view();
    view! {
        <figure class="graph">
            <div class="graph-legend" role="group" aria-label="Relation types">
                {legend}
            </div>
            <svg
                class="graph-canvas"
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                role="group"
                aria-label=format!("{center} and {total} related entities")
            >
                {edges}
                {node_views}
                <circle class="graph-center" cx=cx cy=cy r="11"></circle>
                <text class="graph-center-label" x=cx y=cy - 20.0 text-anchor="middle">
                    {truncate(&center, 28)}
                </text>
            </svg>
            {(total > MAX_NODES)
                .then(|| {
                    view! {
                        <figcaption class="muted">
                            {format!("The first {MAX_NODES} of {total}; all are listed below.")}
                        </figcaption>
                    }
                })}
        </figure>
    }
}
