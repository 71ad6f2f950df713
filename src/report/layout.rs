//! Geometry for the pictures: a seeded force-directed layout, label boxes sized for Japanese
//! text, and a pass that pushes overlapping boxes apart so no label covers another.

/// An axis-aligned box: centre and half sizes, in SVG pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub half_w: f64,
    pub half_h: f64,
}

impl Rect {
    /// How far the boxes overlap along x and y (both positive when they overlap).
    fn overlap(&self, other: &Rect) -> (f64, f64) {
        (
            self.half_w + other.half_w - (self.x - other.x).abs(),
            self.half_h + other.half_h - (self.y - other.y).abs(),
        )
    }

    pub fn overlaps(&self, other: &Rect) -> bool {
        let (ox, oy) = self.overlap(other);
        ox > 0.0 && oy > 0.0
    }
}

/// The width of `text` at `font_px`: full-width (CJK) characters are one em, others ≈ 0.6 em
/// (measured on Noto Sans CJK; a wider estimate only costs space, a narrower one overlaps).
pub fn text_width(text: &str, font_px: f64) -> f64 {
    text.chars()
        .map(|c| {
            if crate::report::display_width(c.encode_utf8(&mut [0; 4])) == 2 {
                1.0
            } else {
                0.6
            }
        })
        .sum::<f64>()
        * font_px
}

/// The pull to the centre, per unit of distance: 0.15 left the components of the bundled
/// survey's network as far apart as the frame, wasting half of it; 0.6 keeps them together.
const GRAVITY: f64 = 0.6;

/// A small deterministic generator (xorshift64*), so a layout is the same on every run.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Fruchterman–Reingold (1991) with a weak pull to the centre, so that separate components
/// stay near the rest, run unbounded and then scaled to fill the `width` × `height` frame (as
/// igraph and networkx do: clamping to the frame while iterating piles nodes on its border).
/// `edges` are (a, b, weight in 0..=1).
pub fn force_directed(
    n: usize,
    edges: &[(usize, usize, f64)],
    width: f64,
    height: f64,
    seed: u64,
) -> Vec<(f64, f64)> {
    if n < 2 {
        return vec![(width / 2.0, height / 2.0); n];
    }
    let mut rng = Rng(seed | 1);
    let k = 1.0;
    let side = (n as f64).sqrt() * k;
    let mut pos: Vec<(f64, f64)> = (0..n)
        .map(|_| (rng.unit() * side, rng.unit() * side))
        .collect();
    let iterations = 500;
    let mut disp = vec![(0.0, 0.0); n];
    for it in 0..iterations {
        let temperature = side / 10.0 * (1.0 - it as f64 / iterations as f64) + 1e-3;
        disp.iter_mut().for_each(|d| *d = (0.0, 0.0));
        for i in 0..n {
            for j in i + 1..n {
                let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                let d = (dx * dx + dy * dy).sqrt().max(1e-3);
                let f = k * k / d;
                disp[i].0 += dx / d * f;
                disp[i].1 += dy / d * f;
                disp[j].0 -= dx / d * f;
                disp[j].1 -= dy / d * f;
            }
        }
        for &(a, b, w) in edges {
            let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
            let d = (dx * dx + dy * dy).sqrt().max(1e-3);
            let f = d * d / k * (0.5 + w);
            disp[a].0 -= dx / d * f;
            disp[a].1 -= dy / d * f;
            disp[b].0 += dx / d * f;
            disp[b].1 += dy / d * f;
        }
        let (cx, cy) = centroid(&pos);
        for (p, d) in pos.iter_mut().zip(&disp) {
            let (dx, dy) = (d.0 - (p.0 - cx) * GRAVITY, d.1 - (p.1 - cy) * GRAVITY);
            let len = (dx * dx + dy * dy).sqrt().max(1e-9);
            let step = len.min(temperature);
            p.0 += dx / len * step;
            p.1 += dy / len * step;
        }
    }
    let (lo_x, hi_x) = span(pos.iter().map(|p| p.0));
    let (lo_y, hi_y) = span(pos.iter().map(|p| p.1));
    pos.iter()
        .map(|&(x, y)| {
            (
                (x - lo_x) / (hi_x - lo_x).max(1e-9) * width,
                (y - lo_y) / (hi_y - lo_y).max(1e-9) * height,
            )
        })
        .collect()
}

fn centroid(pos: &[(f64, f64)]) -> (f64, f64) {
    let n = pos.len() as f64;
    (
        pos.iter().map(|p| p.0).sum::<f64>() / n,
        pos.iter().map(|p| p.1).sum::<f64>() / n,
    )
}

fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// Pushes overlapping boxes apart (each by half the smaller overlap, along that axis) and
/// keeps them inside `width` × `height`. Returns whether every overlap was removed.
pub fn separate(boxes: &mut [Rect], width: f64, height: f64) -> bool {
    const GAP: f64 = 2.0;
    for _ in 0..3000 {
        let mut moved = false;
        for i in 0..boxes.len() {
            for j in i + 1..boxes.len() {
                let (ox, oy) = boxes[i].overlap(&boxes[j]);
                if ox <= -GAP || oy <= -GAP {
                    continue;
                }
                moved = true;
                let (a, b) = (boxes[i], boxes[j]);
                // Along the axis of least overlap, unless that pushes a box out of the
                // frame (a stack of labels that reached the border spreads sideways).
                let push_y = (oy + GAP) / 2.0 + 0.1;
                let fits_y =
                    |r: &Rect, dy: f64| r.y + dy - r.half_h >= 0.0 && r.y + dy + r.half_h <= height;
                let dir_y = if a.y < b.y || (a.y == b.y && i < j) {
                    -1.0
                } else {
                    1.0
                };
                let vertical =
                    oy <= ox && fits_y(&a, dir_y * push_y) && fits_y(&b, -dir_y * push_y);
                if vertical {
                    boxes[i].y += dir_y * push_y;
                    boxes[j].y -= dir_y * push_y;
                } else {
                    let push = (ox + GAP) / 2.0 + 0.1;
                    let dir = if a.x < b.x || (a.x == b.x && i < j) {
                        -1.0
                    } else {
                        1.0
                    };
                    boxes[i].x += dir * push;
                    boxes[j].x -= dir * push;
                }
            }
        }
        for b in boxes.iter_mut() {
            b.x = b.x.clamp(b.half_w, (width - b.half_w).max(b.half_w));
            b.y = b.y.clamp(b.half_h, (height - b.half_h).max(b.half_h));
        }
        if !moved {
            return true;
        }
    }
    !any_overlap(boxes)
}

/// Whether two of `boxes` overlap.
pub fn any_overlap(boxes: &[Rect]) -> bool {
    boxes
        .iter()
        .enumerate()
        .any(|(i, a)| boxes[i + 1..].iter().any(|b| a.overlaps(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_deterministic_and_inside_the_frame() {
        let edges = [(0, 1, 1.0), (1, 2, 0.5), (3, 4, 0.2)];
        let a = force_directed(6, &edges, 800.0, 600.0, 7);
        assert_eq!(a, force_directed(6, &edges, 800.0, 600.0, 7));
        assert!(
            a.iter()
                .all(|&(x, y)| (0.0..=800.0).contains(&x) && (0.0..=600.0).contains(&y))
        );
        let d = |i: usize, j: usize| ((a[i].0 - a[j].0).powi(2) + (a[i].1 - a[j].1).powi(2)).sqrt();
        assert!(
            d(0, 1) < d(0, 5),
            "joined nodes sit closer than unjoined ones"
        );
    }

    #[test]
    fn separate_removes_every_overlap() {
        // Forty labels piled on a few pixels, as a dense cluster of a layout leaves them.
        let mut boxes: Vec<Rect> = (0..40)
            .map(|i| Rect {
                x: 400.0 + (i % 5) as f64 * 3.0,
                y: 300.0 + (i / 5) as f64 * 2.0,
                half_w: 30.0,
                half_h: 8.0,
            })
            .collect();
        assert!(separate(&mut boxes, 800.0, 600.0));
        assert!(!any_overlap(&boxes));
    }

    #[test]
    fn japanese_is_wider_than_latin() {
        assert_eq!(text_width("未加入者", 10.0), 40.0);
        assert!((text_width("SNS", 10.0) - 18.0).abs() < 1e-9);
    }
}
