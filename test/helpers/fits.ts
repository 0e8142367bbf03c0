import { expect } from 'vitest';
import { displayWidth } from '../../src/cli/text-width.js';

/** Every line of `text` fits `width` terminal columns (colour stripped, wide characters counted as two). */
export function expectFits(text: string, width: number): void {
  const over = text
    .split('\n')
    .filter((line) => displayWidth(line) > width)
    .map((line) => `${displayWidth(line)}: ${line}`);
  expect(over, `lines wider than ${width} columns`).toEqual([]);
}
