import { describe, expect, it } from 'vitest';
import { findTrackableLinks, trackHtml } from '../../src/mail/track-html.js';

const AUTHOR = `<!DOCTYPE html>
<html><head><title>a <a href="http://title.example/"></title><style>a[href="http://css.example/"]{}</style></head>
<body class="x">
<!-- <a href="http://comment.example/"> -->
<p>Hi,&nbsp;see <a HREF = 'https://e.example/p?x=1&amp;y=2' class=b>one</a> and <a href=http://u.example/p>two</a>.</p>
<a href="mailto:help@example.com">mail</a> <a href="tel:+331">tel</a> <a href="#top">top</a> <a href="/relative">rel</a>
<a data-no-track href="https://keep.example/">kept</a>
<script>document.write('<a href="http://script.example/">')</script><textarea><a href="http://textarea.example/"></textarea>
<a href="  https://ws.example/a
b  ">ws</a>
</body>
</html>
`;

describe('HTML rewrite with a real tokenizer (issue 15)', () => {
  it('finds only http(s) <a href> links a browser would follow, decoded as a browser decodes them', async () => {
    const parsed = await findTrackableLinks(AUTHOR);
    expect(parsed.links.map((l) => l.url)).toEqual([
      'https://e.example/p?x=1&y=2',
      'http://u.example/p',
      'https://ws.example/ab',
    ]);
    expect(AUTHOR.slice(parsed.bodyEnd ?? 0)).toMatch(/^<\/body>/);
  });

  it('replaces only the href values and inserts the pixel before </body>: every other byte as written', async () => {
    const parsed = await findTrackableLinks(AUTHOR);
    const out = trackHtml(AUTHOR, parsed, {
      pixelUrl: 'https://p.example/t/o/P.gif',
      linkUrls: ['https://p.example/t/c/A', 'https://p.example/t/c/B', 'https://p.example/t/c/C'],
    });
    expect(out).toContain(`<a HREF = 'https://p.example/t/c/A' class=b>one</a>`);
    expect(out).toContain('<a href="https://p.example/t/c/B">two</a>');
    expect(out).toContain('<a href="https://p.example/t/c/C">ws</a>');
    expect(out).toContain(
      '<img src="https://p.example/t/o/P.gif" width="1" height="1" alt="" style="border:0;width:1px;height:1px"></body>',
    );
    // Undo exactly the edits: what is left is the author's document, byte for byte.
    const undone = out
      .replace(`'https://p.example/t/c/A'`, `'https://e.example/p?x=1&amp;y=2'`)
      .replace('href="https://p.example/t/c/B"', 'href=http://u.example/p')
      .replace('href="https://p.example/t/c/C"', 'href="  https://ws.example/a\nb  "')
      .replace(
        '<img src="https://p.example/t/o/P.gif" width="1" height="1" alt="" style="border:0;width:1px;height:1px">',
        '',
      );
    expect(undone).toBe(AUTHOR);
  });

  it('a fragment without </body> gets the pixel appended; no pixel and no link URLs leave it unchanged', async () => {
    const html = '<p>Hello <a href="https://x.example/">x</a></p>';
    const parsed = await findTrackableLinks(html);
    expect(parsed.bodyEnd).toBeNull();
    expect(trackHtml(html, parsed, { pixelUrl: 'https://p/t/o/Z.gif', linkUrls: null })).toBe(
      `${html}<img src="https://p/t/o/Z.gif" width="1" height="1" alt="" style="border:0;width:1px;height:1px">`,
    );
    expect(trackHtml(html, parsed, { pixelUrl: null, linkUrls: null })).toBe(html);
  });
});
