//! Compression chosen by a file's extension: `.gz` is gzip, `.zst` is zstd, in any case
//! (`.GZ`, `.Zst`). File sources decompress such a file as one stream; file sinks compress
//! each task's part on its own, one gzip member or zstd frame per part, and the parts joined
//! end to end are one valid file (both formats define a file as a sequence of members or
//! frames, and `gzip -d`, `zstd -d` and our sources read them all).

use std::io::{self, Read, Write};
use std::path::Path;

/// Compression level of `.gz` outputs: gzip's default, a fair trade of size for time.
const GZIP_LEVEL: flate2::Compression = flate2::Compression::new(6);

/// Compression level of `.zst` outputs: the `zstd` tool's default.
const ZSTD_LEVEL: i32 = 3;

/// How a file's bytes are compressed, from its name.
///
/// ```
/// use dataflow_runtime::compression::Compression;
/// use std::path::Path;
///
/// assert_eq!(Compression::of(Path::new("logs/day.txt.gz")), Compression::Gzip);
/// assert_eq!(Compression::of(Path::new("rows.CSV.ZST")), Compression::Zstd);
/// assert_eq!(Compression::of(Path::new("rows.csv")), Compression::None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// Zstandard (`.zst`).
    Zstd,
}

impl Compression {
    /// The compression a path's extension names, whatever its case.
    pub fn of(path: &Path) -> Compression {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("gz") => Compression::Gzip,
            Some(e) if e.eq_ignore_ascii_case("zst") => Compression::Zstd,
            _ => Compression::None,
        }
    }

    /// Whether the bytes are compressed, so that a file cannot be cut at byte offsets.
    pub fn is_compressed(self) -> bool {
        self != Compression::None
    }

    /// The format's name, for errors.
    fn name(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// A reader of `input`'s decompressed bytes: every gzip member or zstd frame in turn, to
    /// the end. Data that is not of the format, or ends inside a member or frame, is an error
    /// (`InvalidData` or `UnexpectedEof`) that says which format it was read as.
    pub fn decoder<'a, R: Read + 'a>(self, input: R) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match self {
            Compression::None => Box::new(input),
            Compression::Gzip => Box::new(Decoded {
                inner: flate2::read::MultiGzDecoder::new(input),
                format: self,
            }),
            Compression::Zstd => Box::new(Decoded {
                inner: zstd::stream::read::Decoder::new(input)?,
                format: self,
            }),
        })
    }

    /// A writer that compresses into `output`; [`Encoder::finish`] ends the member or frame.
    pub fn encoder<W: Write>(self, output: W) -> io::Result<Encoder<W>> {
        Ok(Encoder(match self {
            Compression::None => Inner::Plain(output),
            Compression::Gzip => Inner::Gzip(flate2::write::GzEncoder::new(output, GZIP_LEVEL)),
            Compression::Zstd => {
                let mut zstd = zstd::stream::write::Encoder::new(output, ZSTD_LEVEL)?;
                // As the `zstd` tool does by default: a damaged file is then detected on reading.
                zstd.include_checksum(true)?;
                Inner::Zstd(zstd)
            }
        }))
    }
}

/// A decompressing reader whose errors say that the data was not valid in its format.
struct Decoded<R> {
    inner: R,
    format: Compression,
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            // An error of the system (reading the file) is passed on as it is; the others come
            // from the decoder, which found the data damaged or cut short.
            if e.raw_os_error().is_some() || e.kind() == io::ErrorKind::Interrupted {
                e
            } else {
                let format = self.format.name();
                io::Error::new(e.kind(), format!("not valid {format} data: {e}"))
            }
        })
    }
}

/// A writer of compressed (or plain) bytes into `W`; see [`Compression::encoder`].
#[derive(Debug)]
pub struct Encoder<W: Write>(Inner<W>);

enum Inner<W: Write> {
    Plain(W),
    Gzip(flate2::write::GzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write + std::fmt::Debug> std::fmt::Debug for Inner<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Inner::Plain(w) => f.debug_tuple("Plain").field(w).finish(),
            Inner::Gzip(w) => f.debug_tuple("Gzip").field(w.get_ref()).finish(),
            Inner::Zstd(w) => f.debug_tuple("Zstd").field(w.get_ref()).finish(),
        }
    }
}

impl<W: Write> Encoder<W> {
    /// Ends the gzip member or zstd frame, if any, and gives the writer back.
    pub fn finish(self) -> io::Result<W> {
        match self.0 {
            Inner::Plain(w) => Ok(w),
            Inner::Gzip(gz) => gz.finish(),
            Inner::Zstd(zstd) => zstd.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.0 {
            Inner::Plain(w) => w.write(buf),
            Inner::Gzip(gz) => gz.write(buf),
            Inner::Zstd(zstd) => zstd.write(buf),
        }
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.0 {
            Inner::Plain(w) => w.write_all(buf),
            Inner::Gzip(gz) => gz.write_all(buf),
            Inner::Zstd(zstd) => zstd.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.0 {
            Inner::Plain(w) => w.flush(),
            Inner::Gzip(gz) => gz.flush(),
            Inner::Zstd(zstd) => zstd.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compress(format: Compression, parts: &[&[u8]]) -> Vec<u8> {
        // One member or frame per part, joined end to end, as the file sinks write them.
        let mut out = Vec::new();
        for part in parts {
            let mut encoder = format.encoder(Vec::new()).unwrap();
            encoder.write_all(part).unwrap();
            out.extend(encoder.finish().unwrap());
        }
        out
    }

    fn decompress(format: Compression, bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        format.decoder(bytes)?.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn extensions_in_any_case() {
        for (name, want) in [
            ("a.gz", Compression::Gzip),
            ("a.txt.GZ", Compression::Gzip),
            ("a.Gz", Compression::Gzip),
            ("a.zst", Compression::Zstd),
            ("a.csv.ZST", Compression::Zstd),
            ("a.txt", Compression::None),
            ("a.gzip", Compression::None),
            ("a.zstd", Compression::None),
            ("gz", Compression::None),
            ("-", Compression::None),
        ] {
            assert_eq!(Compression::of(Path::new(name)), want, "{name}");
        }
    }

    #[test]
    fn members_and_frames_joined_end_to_end_read_as_one_stream() {
        for format in [Compression::None, Compression::Gzip, Compression::Zstd] {
            let bytes = compress(format, &[b"one\ntwo\n", b"", b"three\n"]);
            assert_eq!(decompress(format, &bytes).unwrap(), b"one\ntwo\nthree\n");
        }
    }

    #[test]
    fn damaged_or_truncated_data_is_an_error_naming_the_format() {
        let text: Vec<u8> = (0..20_000)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        for format in [Compression::Gzip, Compression::Zstd] {
            let bytes = compress(format, &[&text]);
            let cut = &bytes[..bytes.len() / 2];
            let err = decompress(format, cut).unwrap_err();
            assert!(err.to_string().contains(format.name()), "{format:?}: {err}");
            let mut damaged = bytes.clone();
            let middle = damaged.len() / 2;
            damaged[middle] ^= 0xff;
            damaged[middle + 1] ^= 0x55;
            let err = decompress(format, &damaged).unwrap_err();
            assert!(err.to_string().contains("not valid"), "{format:?}: {err}");
            let err = decompress(format, b"plain text, not compressed\n").unwrap_err();
            assert!(err.to_string().contains("not valid"), "{format:?}: {err}");
        }
    }
}
