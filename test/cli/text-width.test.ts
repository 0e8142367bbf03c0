import { describe, expect, it } from 'vitest';
import { displayWidth, layoutWidth, truncate, truncateMiddle, wrap } from '../../src/cli/text-width.js';

describe('displayWidth', () => {
  it('counts terminal columns: colour codes none, combining marks none, CJK and emoji two', () => {
    expect(displayWidth('bounced')).toBe(7);
    expect(displayWidth('\u001b[31mbounced\u001b[39m')).toBe(7);
    expect(displayWidth('\u001b[1m\u001b[2mx\u001b[22m')).toBe(1);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('ｆｕｌｌ')).toBe(8);
    expect(displayWidth('한국')).toBe(4);
    expect(displayWidth('👍 ok')).toBe(5);
    expect(displayWidth('a\u200bb')).toBe(2);
    expect(displayWidth('—…→█▁')).toBe(5);
  });

  it('lays out for the terminal width, 80 when unknown, never narrower than 40', () => {
    expect(layoutWidth(undefined)).toBe(80);
    expect(layoutWidth(0)).toBe(80);
    expect(layoutWidth(120)).toBe(120);
    expect(layoutWidth(20)).toBe(40);
  });
});

describe('fitting text', () => {
  it('truncates at the end or in the middle, by columns', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdefgh', 6)).toBe('abcde…');
    expect(truncate('日本語日本語', 5)).toBe('日本…');
    const url = 'https://help.example.com/kb/articles/printers/networked/42-reset';
    const cut = truncateMiddle(url, 40);
    expect(displayWidth(cut)).toBeLessThanOrEqual(40);
    expect(cut.startsWith('https://help.example.com/')).toBe(true);
    expect(cut.endsWith('42-reset')).toBe(true);
  });

  it('wraps on spaces with a hanging indent, splitting a word longer than a line', () => {
    expect(wrap('one two three four', 9, '  ')).toEqual(['one two', '  three', '  four']);
    expect(wrap('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    expect(wrap('', 10)).toEqual(['']);
    for (const line of wrap('日本語のテキスト 日本語のテキスト', 7, ' '))
      expect(displayWidth(line)).toBeLessThanOrEqual(7);
  });

  it('a wrapped line keeps its own leading indent and padded columns; only the lines wrapping starts drop spacing', () => {
    // doctor's "FAIL database     the database … does not exist" and its indented "→ fix" line.
    expect(wrap('FAIL db     the database is gone', 24, '      ')).toEqual([
      'FAIL db     the database',
      '      is gone',
    ]);
    expect(wrap('    → check --db or the env', 16, '      ')).toEqual([
      '    → check --db',
      '      or the env',
    ]);
    expect(wrap('  abcdefghij', 6, '  ')).toEqual(['  abcd', '  efgh', '  ij']);
  });
});
