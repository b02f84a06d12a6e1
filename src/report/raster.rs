//! The report's charts as PNG images for report.docx: each chart's SVG, as the chart
//! code drew it, is replayed element by element onto plotters' `BitMapBackend` at
//! [`PRINT_SCALE`] times its size, and the pixels are encoded as PNG.
//!
//! Why replay the SVG rather than run the chart code a second time on the bitmap
//! backend: the chart code writes into `SVGBackend` in a dozen places and the flow
//! diagram (`flow_chart.rs`) writes SVG text itself, so the SVG is the one drawing
//! every chart has. It uses a small, closed set of elements (plotters' SVG backend
//! writes `rect`, `line`, `polyline`, `polygon`, `circle` and `text`; the flow diagram
//! adds fractional coordinates, `font-weight` and baseline-anchored text), each of
//! which maps onto one plotters drawing call, so the pixels are drawn by plotters with
//! the same embedded font. Anything else in a chart's SVG (its `title` and `desc`) is
//! skipped. Rounded corners (`rx`) are drawn square; bold text is drawn a few times,
//! a pixel apart, as the embedded font has no bold face.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontFamily, FontStyle, FontTransform};

use super::charts::register_font;

/// Pixels per SVG pixel: a chart 640 px wide becomes 1,920 px, about 280 dots per
/// inch across A4's printable width.
pub(crate) const PRINT_SCALE: u32 = 3;

/// A chart's SVG drawn at `PRINT_SCALE` as PNG bytes, with its size in pixels; `None`
/// when the text has no `<svg width height>` to size the image by.
pub(crate) fn png(svg: &str) -> Option<(Vec<u8>, u32, u32)> {
    register_font();
    let (width, height) = svg_size(svg)?;
    let (w, h) = (width * PRINT_SCALE, height * PRINT_SCALE);
    let mut pixels = vec![0xFF_u8; (w * h * 3) as usize];
    {
        let mut backend = BitMapBackend::with_buffer(&mut pixels, (w, h));
        for element in elements(svg) {
            draw(&mut backend, &element, f64::from(PRINT_SCALE));
        }
        backend.present().ok()?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Dots per metre, so that an image viewer shows the print size.
        let per_metre = (96.0 * f64::from(PRINT_SCALE) / 0.0254).round() as u32;
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: png::Unit::Meter,
        }));
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&pixels).ok()?;
        writer.finish().ok()?;
    }
    Some((out, w, h))
}

/// The `width` and `height` of the outer `<svg>` element, in whole pixels.
fn svg_size(svg: &str) -> Option<(u32, u32)> {
    let element = elements(svg).into_iter().find(|e| e.name == "svg")?;
    let size = |name| {
        element
            .number(name)
            .filter(|v| v.is_finite() && *v >= 1.0 && *v <= 10_000.0)
            .map(|v| v.round() as u32)
    };
    Some((size("width")?, size("height")?))
}

/// One SVG start tag: its name, attributes and (for `text`) the text it holds.
struct Element<'a> {
    name: &'a str,
    attributes: Vec<(&'a str, &'a str)>,
    text: String,
}

impl Element<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }

    fn number(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(|v| v.trim().parse().ok())
    }

    /// The colour of `attribute` (`#RRGGBB`) at the element's opacity; `None` for
    /// `none`, a missing attribute, or a colour this reader does not know.
    fn colour(&self, attribute: &str) -> Option<RGBAColor> {
        let value = self.get(attribute)?.trim();
        let hex = value.strip_prefix('#').filter(|h| h.len() == 6)?;
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        let alpha = self.number("opacity").unwrap_or(1.0).clamp(0.0, 1.0);
        Some(RGBAColor(channel(0)?, channel(2)?, channel(4)?, alpha))
    }

    /// `points="x,y x,y ..."` scaled to the bitmap.
    fn points(&self, scale: f64) -> Vec<(i32, i32)> {
        self.get("points")
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|pair| {
                let (x, y) = pair.split_once(',')?;
                Some((at(x.parse().ok()?, scale), at(y.parse().ok()?, scale)))
            })
            .collect()
    }
}

fn at(v: f64, scale: f64) -> i32 {
    (v * scale).round() as i32
}

/// The start tags of `svg` in document order; the content of each `text` element is
/// unescaped into its `text`.
fn elements(svg: &str) -> Vec<Element<'_>> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find('>') else {
            break;
        };
        let tag = &rest[..close];
        rest = &rest[close + 1..];
        if tag.starts_with('/') || tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        let tag = tag.strip_suffix('/').unwrap_or(tag);
        let (name, mut attributes_text) = tag.split_once(char::is_whitespace).unwrap_or((tag, ""));
        let mut attributes = Vec::new();
        while let Some(equals) = attributes_text.find("=\"") {
            let name = attributes_text[..equals].trim();
            let after = &attributes_text[equals + 2..];
            let Some(end) = after.find('"') else {
                break;
            };
            attributes.push((name, &after[..end]));
            attributes_text = &after[end + 1..];
        }
        let mut text = String::new();
        if name == "text"
            && let Some(end) = rest.find("</text>")
        {
            text = unescape(rest[..end].trim());
            rest = &rest[end..];
        }
        out.push(Element {
            name,
            attributes,
            text,
        });
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// A colour `width` pixels wide, as plotters' backends take strokes and fills.
fn shape(colour: RGBAColor, width: u32) -> ShapeStyle {
    ShapeStyle {
        color: colour,
        filled: false,
        stroke_width: width,
    }
}

/// The element's `stroke` at its `stroke-width` (default 1) times `scale`, at least
/// one pixel.
fn stroke(element: &Element<'_>, scale: f64) -> Option<ShapeStyle> {
    let colour = element.colour("stroke")?;
    let width = element.number("stroke-width").unwrap_or(1.0);
    if width <= 0.0 {
        return None;
    }
    Some(shape(colour, ((width * scale).round() as u32).max(1)))
}

/// Draws one element; errors (a glyph the font lacks) leave the element out.
fn draw<DB: DrawingBackend>(backend: &mut DB, e: &Element<'_>, scale: f64) {
    let n = |name| e.number(name).unwrap_or(0.0);
    match e.name {
        "rect" => {
            let (x0, y0) = (at(n("x"), scale), at(n("y"), scale));
            let (x1, y1) = (
                at(n("x") + n("width"), scale),
                at(n("y") + n("height"), scale),
            );
            if let Some(fill) = e.colour("fill") {
                backend
                    .draw_rect((x0, y0), (x1, y1), &shape(fill, 1), true)
                    .ok();
            }
            if let Some(ShapeStyle {
                color: colour,
                stroke_width: width,
                ..
            }) = stroke(e, scale)
            {
                // A frame `width` pixels thick, centred on the outline as SVG strokes are.
                let (inner, outer) = ((width / 2) as i32, width.div_ceil(2) as i32);
                let band = shape(colour, 1);
                for (a, b) in [
                    ((x0 - outer, y0 - outer), (x1 + outer, y0 + inner)),
                    ((x0 - outer, y1 - inner), (x1 + outer, y1 + outer)),
                    ((x0 - outer, y0 - outer), (x0 + inner, y1 + outer)),
                    ((x1 - inner, y0 - outer), (x1 + outer, y1 + outer)),
                ] {
                    backend.draw_rect(a, b, &band, true).ok();
                }
            }
        }
        "line" => {
            if let Some(style) = stroke(e, scale) {
                let from = (at(n("x1"), scale), at(n("y1"), scale));
                let to = (at(n("x2"), scale), at(n("y2"), scale));
                backend.draw_line(from, to, &style).ok();
            }
        }
        "polyline" => {
            if let Some(style) = stroke(e, scale) {
                backend.draw_path(e.points(scale), &style).ok();
            }
        }
        "polygon" => {
            if let Some(fill) = e.colour("fill") {
                backend.fill_polygon(e.points(scale), &shape(fill, 1)).ok();
            }
        }
        "circle" => {
            let centre = (at(n("cx"), scale), at(n("cy"), scale));
            let radius = (n("r") * scale).round().max(1.0) as u32;
            if let Some(fill) = e.colour("fill") {
                backend
                    .draw_circle(centre, radius, &shape(fill, 1), true)
                    .ok();
            }
            if let Some(style) = stroke(e, scale) {
                backend.draw_circle(centre, radius, &style, false).ok();
            }
        }
        "text" => draw_text(backend, e, scale),
        _ => {}
    }
}

/// Plotters' bitmap text at size `s` is laid out by ab_glyph at a pixel height
/// (ascender to descender) of `s`; the embedded DejaVu Sans spans 1901 + 483 of 2048
/// units per em, so `s` = em × 1.164. (Plotters' SVG backend writes `s` / 1.24 as the
/// font size; 1.164 matches the SVG as rsvg and browsers draw it.)
const PIXEL_HEIGHT_PER_EM: f64 = (1901.0 + 483.0) / 2048.0;
/// DejaVu Sans' x-height (1120 of 2048 units per em), for `dy` given in `ex`.
const EX_PER_EM: f64 = 1120.0 / 2048.0;

fn draw_text<DB: DrawingBackend>(backend: &mut DB, e: &Element<'_>, scale: f64) {
    let Some(colour) = e.colour("fill") else {
        return;
    };
    if e.text.is_empty() {
        return;
    }
    let em = e.number("font-size").unwrap_or(12.0);
    let size = em * PIXEL_HEIGHT_PER_EM * scale;
    let h_pos = match e.get("text-anchor") {
        Some("middle") => HPos::Center,
        Some("end") => HPos::Right,
        _ => HPos::Left,
    };
    // Where the baseline lies below `y`: plotters' SVG anchors text with `dy`; the
    // flow diagram's text sits on its `y`.
    let baseline = match e.get("dy") {
        Some("0.76em") => 0.76 * em,
        Some("0.5ex") => 0.5 * EX_PER_EM * em,
        Some("-0.5ex") => -0.5 * EX_PER_EM * em,
        _ => 0.0,
    };
    // Plotters draws top-anchored bitmap text with its baseline half the size below
    // the anchor, so the anchor moves up by that from the baseline, along the text's
    // own vertical, which a rotation turns.
    let down = baseline * scale - 0.5 * size;
    let transform = match e.get("transform") {
        Some(t) if t.starts_with("rotate(270") => FontTransform::Rotate270,
        Some(t) if t.starts_with("rotate(90") => FontTransform::Rotate90,
        Some(t) if t.starts_with("rotate(180") => FontTransform::Rotate180,
        _ => FontTransform::None,
    };
    let (x, y) = (n_or_zero(e, "x") * scale, n_or_zero(e, "y") * scale);
    let (x, y) = match transform {
        FontTransform::Rotate270 => (x + down, y),
        FontTransform::Rotate90 => (x - down, y),
        FontTransform::Rotate180 => (x, y - down),
        _ => (x, y + down),
    };
    let style = FontDesc::new(FontFamily::SansSerif, size, FontStyle::Normal)
        .transform(transform)
        .color(&colour)
        .pos(Pos::new(h_pos, VPos::Top));
    let origin = (x.round() as i32, y.round() as i32);
    backend.draw_text(&e.text, &style, origin).ok();
    // The embedded font has no bold face: bold text is drawn again, shifted by up to
    // a fifteenth of its height, which reads as bold.
    if e.get("font-weight") == Some("bold") {
        for shift in 1..=(size / 15.0).round() as i32 {
            backend
                .draw_text(&e.text, &style, (origin.0 + shift, origin.1))
                .ok();
        }
    }
}

fn n_or_zero(e: &Element<'_>, name: &str) -> f64 {
    e.number(name).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r##"<svg width="20" height="10" viewBox="0 0 20 10" xmlns="http://www.w3.org/2000/svg" role="img"><title id="t">A &amp; B</title><rect x="0" y="0" width="20" height="10" opacity="1" fill="#FFFFFF" stroke="none"/><line opacity="1" stroke="#0072B2" stroke-width="2" x1="0" y1="5" x2="20" y2="5"/><text x="1" y="1" dy="0.76em" text-anchor="start" font-family="sans-serif" font-size="4" opacity="1" fill="#000000">a &lt; b
</text></svg>"##;

    #[test]
    fn elements_carry_their_attributes_and_text() {
        let found = elements(SVG);
        let names: Vec<&str> = found.iter().map(|e| e.name).collect();
        assert_eq!(names, ["svg", "title", "rect", "line", "text"]);
        assert_eq!(found[3].number("stroke-width"), Some(2.0));
        assert_eq!(
            found[3].colour("stroke").map(|c| c.rgb()),
            Some((0x00, 0x72, 0xB2))
        );
        assert_eq!(found[2].colour("stroke").map(|c| c.rgb()), None);
        assert_eq!(found[4].text, "a < b");
        assert_eq!(svg_size(SVG), Some((20, 10)));
    }

    #[test]
    fn the_png_is_the_chart_at_print_scale_and_the_same_every_time() {
        let (bytes, w, h) = png(SVG).expect("sized SVG");
        assert_eq!((w, h), (60, 30));
        assert!(bytes.starts_with(&[0x89, b'P', b'N', b'G']));
        assert_eq!(png(SVG).map(|p| p.0), Some(bytes));
        assert!(png("<p>no chart</p>").is_none());
    }
}
