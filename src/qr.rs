//! QR codes of an address, drawn as SVG (for pages and print) and as PNG (for anything else),
//! so that a notice on paper leads a phone to the consultation's page.

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

/// Light modules around the code, as the QR standard asks: a reader finds the code by them.
const QUIET_ZONE: usize = 4;
/// Pixels per module in the PNG: a code for a typical address comes out at about 400 px,
/// sharp when printed 5 cm wide at 200 dpi.
const PNG_MODULE_PX: usize = 10;

/// The modules of one QR code, quiet zone excluded.
pub struct Qr {
    width: usize,
    dark: Vec<bool>,
}

impl Qr {
    /// The code for `text`. Level M recovers from 15 % damage: enough for a sheet on a
    /// notice board, while keeping the modules large.
    pub fn encode(text: &str) -> anyhow::Result<Qr> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|e| anyhow::anyhow!("the address does not fit in a QR code: {e}"))?;
        let dark = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        Ok(Qr { width: code.width(), dark })
    }

    /// Modules per side, quiet zone included.
    pub fn size(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// A standalone SVG document; `label` names it for screen readers (e.g. the address).
    /// One unit per module, so it scales to any size without blurring.
    pub fn svg(&self, label: &str) -> String {
        let size = self.size();
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
             shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"{}\">",
            escape_attribute(label)
        );
        let _ = write!(svg, "<rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"");
        for y in 0..self.width {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    let _ = write!(svg, "M{} {}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE);
                }
            }
        }
        svg.push_str("\"/></svg>");
        svg
    }

    /// A black-on-white PNG, [`PNG_MODULE_PX`] pixels a module, 8-bit grey.
    pub fn png(&self) -> anyhow::Result<Vec<u8>> {
        let side = self.size() * PNG_MODULE_PX;
        let mut grey = vec![255u8; side * side];
        for y in 0..self.width {
            for x in 0..self.width {
                if !self.is_dark(x, y) {
                    continue;
                }
                let (left, top) = ((x + QUIET_ZONE) * PNG_MODULE_PX, (y + QUIET_ZONE) * PNG_MODULE_PX);
                for row in top..top + PNG_MODULE_PX {
                    grey[row * side + left..row * side + left + PNG_MODULE_PX].fill(0);
                }
            }
        }
        let side = u32::try_from(side)?;
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Best);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&grey)?;
        writer.finish()?;
        Ok(out)
    }
}

/// Text safe inside a double-quoted XML attribute.
fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_is_the_code_at_ten_pixels_a_module_with_a_white_border() {
        let qr = Qr::encode("https://zhengqiu.example.cn/consultations/12").unwrap();
        let png = qr.png().unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let side = qr.size() * PNG_MODULE_PX;
        assert_eq!((info.width as usize, info.height as usize), (side, side));
        // The quiet zone is white; the top-left finder pattern starts with a dark module.
        let at = |x: usize, y: usize| pixels[y * side + x];
        assert!((0..QUIET_ZONE * PNG_MODULE_PX).all(|i| at(i, i) == 255 && at(side - 1 - i, i) == 255));
        assert_eq!(at(QUIET_ZONE * PNG_MODULE_PX, QUIET_ZONE * PNG_MODULE_PX), 0);
    }

    #[test]
    fn the_svg_draws_one_square_per_dark_module_and_escapes_its_label() {
        let qr = Qr::encode("http://x.cn/consultations/1").unwrap();
        let svg = qr.svg("扫码 \"访问\" <x>");
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        let root = doc.root_element();
        assert_eq!(root.attribute("aria-label"), Some("扫码 \"访问\" <x>"));
        assert_eq!(root.attribute("viewBox"), Some(format!("0 0 {0} {0}", qr.size()).as_str()));
        let dark = qr.dark.iter().filter(|d| **d).count();
        assert_eq!(svg.matches("h1v1h-1z").count(), dark);
    }

    #[test]
    fn a_longer_address_makes_a_larger_code() {
        let short = Qr::encode("http://x.cn/consultations/1").unwrap();
        let long = Qr::encode(&format!("https://{}.gov.cn/consultations/123456", "a".repeat(60))).unwrap();
        assert!(long.size() > short.size());
    }
}
