import { SAXParser, type StartTag } from 'parse5-sax-parser';

/** One `<a href>` the portal may track: where its value sits in the source, and the URL a browser follows. */
export interface TrackableLink {
  /** Offsets of the whole `href=…` attribute in the source. */
  start: number;
  end: number;
  url: string;
}

export interface TrackableHtml {
  links: TrackableLink[];
  /** Where the last `</body>` starts (the pixel goes just before it), or null: the pixel is appended. */
  bodyEnd: number | null;
}

interface AttributeLocations {
  attrs?: Record<string, { startOffset: number; endOffset: number }>;
}

// What a browser strips from an href before resolving it (WHATWG URL: leading/trailing C0 and space,
// tab and newlines anywhere).
const URL_TRIM = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;
const URL_NEWLINES = /[\t\n\r]/g;

/**
 * Finds the links to track with parse5's WHATWG tokenizer (through its SAX parser, which switches to raw
 * text inside script, style, textarea and title as a browser does), so a `<a href>` in a comment or a
 * script is never touched and entities in a value are decoded exactly as a browser decodes them.
 * Only http(s) links count; `mailto:`, `tel:`, fragments and links marked `data-no-track` stay as written.
 */
export async function findTrackableLinks(html: string): Promise<TrackableHtml> {
  const links: TrackableLink[] = [];
  let bodyEnd: number | null = null;
  const parser = new SAXParser({ sourceCodeLocationInfo: true });
  parser.on('startTag', (tag: StartTag) => {
    if (tag.tagName !== 'a') return;
    const href = tag.attrs.find((attr) => attr.name === 'href');
    // The tokenizer's start-tag location carries each attribute's offsets; the SAX typings only say Location.
    const where = (tag.sourceCodeLocation as AttributeLocations | null | undefined)?.attrs?.['href'];
    if (href === undefined || where === undefined || tag.attrs.some((attr) => attr.name === 'data-no-track'))
      return;
    const url = href.value.replace(URL_TRIM, '').replace(URL_NEWLINES, '');
    if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) return;
    links.push({ start: where.startOffset, end: where.endOffset, url });
  });
  parser.on('endTag', (tag) => {
    if (tag.tagName === 'body' && tag.sourceCodeLocation != null)
      bodyEnd = tag.sourceCodeLocation.startOffset;
  });
  // The end of input is tokenized in the stream's _final, a tick later: wait for it rather than rely on
  // a complete tag being emitted while the chunk is written.
  await new Promise<void>((resolve, reject) => {
    parser.once('finish', resolve);
    parser.once('error', reject);
    parser.end(html);
  });
  return { links, bodyEnd };
}

export interface TrackingUrls {
  pixelUrl: string | null;
  /** One URL per link of `findTrackableLinks`, in order; null leaves every link as written. */
  linkUrls: string[] | null;
}

/**
 * The author's HTML with only the tracked `href` values replaced (name, quotes and the rest of the document
 * byte for byte) and the pixel inserted before `</body>`, or appended when there is none.
 */
export function trackHtml(html: string, parsed: TrackableHtml, urls: TrackingUrls): string {
  const edits: Array<{ start: number; end: number; text: string }> = [];
  if (urls.linkUrls !== null) {
    parsed.links.forEach((link, index) => {
      const replacement = urls.linkUrls?.[index];
      if (replacement !== undefined)
        edits.push({
          start: link.start,
          end: link.end,
          text: withValue(html.slice(link.start, link.end), replacement),
        });
    });
  }
  if (urls.pixelUrl !== null) {
    const at = parsed.bodyEnd ?? html.length;
    edits.push({
      start: at,
      end: at,
      text: `<img src="${escapeAttribute(urls.pixelUrl)}" width="1" height="1" alt="" style="border:0;width:1px;height:1px">`,
    });
  }
  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let from = 0;
  for (const edit of edits) {
    out += html.slice(from, edit.start) + edit.text;
    from = edit.end;
  }
  return out + html.slice(from);
}

/**
 * `attribute` is one attribute exactly as the tokenizer located it (`href = 'x'`, `HREF=x`): the name and
 * the spacing around `=` are kept, the value is replaced and keeps its quote (an unquoted one gets double quotes).
 */
function withValue(attribute: string, value: string): string {
  const equals = attribute.indexOf('=');
  let valueStart = equals + 1;
  while (valueStart < attribute.length && /\s/.test(attribute[valueStart] as string)) valueStart += 1;
  const quote = attribute[valueStart] === '"' || attribute[valueStart] === "'" ? attribute[valueStart] : '"';
  return `${attribute.slice(0, valueStart)}${quote}${escapeAttribute(value)}${quote}`;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
