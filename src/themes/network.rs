//! 共起ネットワーク: which terms occur in the same units, measured as KH Coder does by the
//! Jaccard coefficient of their unit sets, and its "語―外部変数" variant where the groups
//! (単組, 年度, …) are nodes too.

use std::collections::HashMap;

use serde::Serialize;

use super::ca::top_terms;
use super::model::{Theme, ThemeUnit};
use super::terms::Terms;

/// How many nodes and edges to keep.
#[derive(Debug, Clone, Copy)]
pub struct NetworkOptions {
    /// Terms found in the most units (KH Coder's default view draws about 60).
    pub top_terms: usize,
    pub edges: EdgeRule,
    /// Terms must occur in at least this many units.
    pub min_units: usize,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        Self {
            top_terms: 60,
            edges: EdgeRule::Top(60),
            min_units: 2,
        }
    }
}

/// Which edges are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EdgeRule {
    /// The N strongest (KH Coder's default: 60).
    Top(usize),
    /// Every edge whose Jaccard coefficient is at least this.
    MinJaccard(f64),
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Term,
    /// A group of the grouping (`--by`), in the terms × groups mode.
    Group,
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub label: String,
    pub kind: NodeKind,
    /// Occurrences of a term; units of a group.
    pub frequency: usize,
    /// Units holding the term, or belonging to the group.
    pub units: usize,
    /// The discovered theme the term belongs to (index into the report's themes, then its
    /// single-branch themes), so the picture and the theme table agree; None if in none.
    pub theme: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    /// Indexes into `Network::nodes`.
    pub source: usize,
    pub target: usize,
    pub jaccard: f64,
    /// Units holding both ends.
    pub units: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Network {
    pub nodes: Vec<Node>,
    /// Strongest first.
    pub edges: Vec<Edge>,
    /// Units the coefficients were counted over.
    pub unit_count: usize,
    /// The rule that chose the edges, for the figure legend (e.g. 上位60本, Jaccard ≥ 0.20).
    pub rule: String,
}

impl Network {
    /// Drops nodes that no edge touches (KH Coder hides them too), renumbering the edges.
    fn without_isolated(mut self) -> Self {
        let mut used = vec![false; self.nodes.len()];
        for e in &self.edges {
            used[e.source] = true;
            used[e.target] = true;
        }
        let mut new_index = vec![usize::MAX; self.nodes.len()];
        let mut nodes = Vec::new();
        for (i, node) in self.nodes.into_iter().enumerate() {
            if used[i] {
                new_index[i] = nodes.len();
                nodes.push(node);
            }
        }
        for e in &mut self.edges {
            e.source = new_index[e.source];
            e.target = new_index[e.target];
        }
        self.nodes = nodes;
        self
    }
}

fn jaccard(both: usize, a: usize, b: usize) -> f64 {
    both as f64 / (a + b - both) as f64
}

/// Keeps the edges `rule` asks for, strongest first (ties: more shared units, then node
/// order, so the result never depends on hashing).
fn choose(mut edges: Vec<Edge>, rule: EdgeRule) -> (Vec<Edge>, String) {
    edges.sort_by(|a, b| {
        b.jaccard
            .total_cmp(&a.jaccard)
            .then(b.units.cmp(&a.units))
            .then((a.source, a.target).cmp(&(b.source, b.target)))
    });
    match rule {
        EdgeRule::Top(n) => {
            edges.truncate(n);
            (edges, format!("Jaccard係数の上位{n}本"))
        }
        EdgeRule::MinJaccard(min) => {
            edges.retain(|e| e.jaccard >= min);
            (edges, format!("Jaccard係数 {min:.2} 以上"))
        }
    }
}

/// The terms' theme, by the themes' own term lists.
fn theme_of<'a>(themes: &[&'a Theme]) -> HashMap<&'a str, usize> {
    let mut of = HashMap::new();
    for (i, t) in themes.iter().enumerate() {
        for term in &t.terms {
            of.entry(term.as_str()).or_insert(i);
        }
    }
    of
}

fn term_nodes(terms: &Terms, ids: &[u32], themes: &[&Theme]) -> Vec<Node> {
    let of = theme_of(themes);
    ids.iter()
        .map(|&id| {
            let t = &terms.stats[id as usize];
            Node {
                label: t.term.clone(),
                kind: NodeKind::Term,
                frequency: t.frequency,
                units: t.units,
                theme: of.get(t.term.as_str()).copied(),
            }
        })
        .collect()
}

fn chosen_terms(terms: &Terms, options: &NetworkOptions) -> Vec<u32> {
    let mut ids = top_terms(terms, options.top_terms);
    ids.retain(|&id| terms.stats[id as usize].units >= options.min_units);
    ids
}

/// Whether terms `i` and `j` are one compound and its part (機関紙, 機関) or two parts of
/// one drawn compound (団体, 交渉 of 団体交渉): they co-occur because the compound was
/// written, and on the bundled survey such pairs were the strongest dozen edges, saying
/// nothing about what answers talk about together.
fn within_one_compound(nodes: &[Node], i: usize, j: usize) -> bool {
    let (a, b) = (nodes[i].label.as_str(), nodes[j].label.as_str());
    a.contains(b)
        || b.contains(a)
        || nodes
            .iter()
            .any(|c| c.label.len() > a.len() && c.label.contains(a) && c.label.contains(b))
}

/// Term co-occurrence within units (pairs inside one compound left out, see
/// [`within_one_compound`]).
pub fn terms_network(terms: &Terms, themes: &[&Theme], options: &NetworkOptions) -> Network {
    let ids = chosen_terms(terms, options);
    let node_of: HashMap<u32, usize> = ids.iter().enumerate().map(|(n, &id)| (id, n)).collect();
    let k = ids.len();
    // A dense k × k count: k is a few hundred at most, and a unit's terms are sorted, so
    // (i, j) with i < j is filled by one pass over the units (1 M units: well under a second).
    let mut both = vec![0usize; k * k];
    let mut in_unit: Vec<usize> = Vec::new();
    for unit in &terms.unit_terms {
        in_unit.clear();
        in_unit.extend(unit.iter().filter_map(|id| node_of.get(id).copied()));
        in_unit.sort_unstable();
        for (x, &i) in in_unit.iter().enumerate() {
            for &j in &in_unit[x + 1..] {
                both[i * k + j] += 1;
            }
        }
    }
    let nodes = term_nodes(terms, &ids, themes);
    let mut edges = Vec::new();
    for i in 0..k {
        for j in i + 1..k {
            let n = both[i * k + j];
            if n > 0 && !within_one_compound(&nodes, i, j) {
                edges.push(Edge {
                    source: i,
                    target: j,
                    jaccard: jaccard(n, nodes[i].units, nodes[j].units),
                    units: n,
                });
            }
        }
    }
    let (edges, rule) = choose(edges, options.edges);
    Network {
        nodes,
        edges,
        unit_count: terms.unit_terms.len(),
        rule,
    }
    .without_isolated()
}

/// Terms × groups (語―外部変数): an edge joins a term and a group when units of the group hold
/// the term, weighted by the Jaccard coefficient of the term's units and the group's units.
pub fn group_network(
    units: &[ThemeUnit],
    terms: &Terms,
    themes: &[&Theme],
    options: &NetworkOptions,
) -> Network {
    let ids = chosen_terms(terms, options);
    let table = super::ca::term_group_table(units, terms, &ids);
    let mut nodes = term_nodes(terms, &ids, themes);
    let first_group = nodes.len();
    nodes.extend(
        table
            .groups
            .iter()
            .zip(&table.group_units)
            .map(|(g, &n)| Node {
                label: g.clone(),
                kind: NodeKind::Group,
                frequency: n,
                units: n,
                theme: None,
            }),
    );
    let mut edges = Vec::new();
    for (t, row) in table.counts.iter().enumerate() {
        for (g, &count) in row.iter().enumerate() {
            let n = count as usize;
            if n > 0 {
                edges.push(Edge {
                    source: t,
                    target: first_group + g,
                    jaccard: jaccard(n, nodes[t].units, table.group_units[g]),
                    units: n,
                });
            }
        }
    }
    let (edges, rule) = choose(edges, options.edges);
    Network {
        nodes,
        edges,
        unit_count: units.len(),
        rule,
    }
    .without_isolated()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::themes::model::TermStat;

    /// Four units over terms a, b, c (ids 0, 1, 2), counted by hand:
    /// a in units 0,1,2; b in 0,1; c in 2,3. J(a,b) = 2/3, J(a,c) = 1/4, J(b,c) = 0.
    fn tiny() -> Terms {
        let stat = |term: &str, units: usize| TermStat {
            term: term.into(),
            frequency: units,
            units,
            ..Default::default()
        };
        Terms {
            stats: vec![stat("a", 3), stat("b", 2), stat("c", 2)],
            unit_terms: vec![vec![0, 1], vec![0, 1], vec![0, 2], vec![2]],
        }
    }

    #[test]
    fn jaccard_edges_match_a_hand_count() {
        let net = terms_network(&tiny(), &[], &NetworkOptions::default());
        let got: Vec<(&str, &str, f64, usize)> = net
            .edges
            .iter()
            .map(|e| {
                let l = |i: usize| net.nodes[i].label.as_str();
                (l(e.source), l(e.target), e.jaccard, e.units)
            })
            .collect();
        assert_eq!(got, [("a", "b", 2.0 / 3.0, 2), ("a", "c", 0.25, 1)]);
        let strong = terms_network(
            &tiny(),
            &[],
            &NetworkOptions {
                edges: EdgeRule::MinJaccard(0.5),
                ..Default::default()
            },
        );
        assert_eq!(strong.edges.len(), 1);
        assert_eq!(
            strong.nodes.len(),
            2,
            "c touches no kept edge and is dropped"
        );
    }

    #[test]
    fn a_compound_and_its_parts_are_not_joined() {
        let stat = |term: &str| TermStat {
            term: term.into(),
            frequency: 2,
            units: 2,
            ..Default::default()
        };
        let terms = Terms {
            stats: vec![stat("団体交渉"), stat("団体"), stat("交渉"), stat("要求")],
            unit_terms: vec![vec![0, 1, 2, 3], vec![0, 1, 2, 3]],
        };
        let net = terms_network(&terms, &[], &NetworkOptions::default());
        let pairs: Vec<(&str, &str)> = net
            .edges
            .iter()
            .map(|e| {
                (
                    net.nodes[e.source].label.as_str(),
                    net.nodes[e.target].label.as_str(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            [("団体交渉", "要求"), ("団体", "要求"), ("交渉", "要求")]
        );
    }

    #[test]
    fn group_mode_joins_terms_to_their_groups() {
        let unit = |branch: &str| crate::themes::fixtures::unit(branch, "x");
        let units = [unit("甲"), unit("甲"), unit("乙"), unit("乙")];
        let net = group_network(&units, &tiny(), &[], &NetworkOptions::default());
        let find = |t: &str, g: &str| {
            net.edges
                .iter()
                .find(|e| net.nodes[e.source].label == t && net.nodes[e.target].label == g)
        };
        // b is in both units of 甲 and nowhere else: J = 2 / (2 + 2 − 2) = 1.
        assert_eq!(find("b", "甲").map(|e| e.jaccard), Some(1.0));
        // a: units 0,1 (甲) and 2 (乙): J(a, 乙) = 1 / (3 + 2 − 1).
        assert_eq!(find("a", "乙").map(|e| e.jaccard), Some(0.25));
        assert!(find("b", "乙").is_none());
        assert!(
            net.nodes
                .iter()
                .any(|n| n.kind == NodeKind::Group && n.units == 2)
        );
    }
}
