import { fitToColumn } from './column-bounds';

describe('fitToColumn', () => {
  it('keeps a value that fits as it is', () => {
    expect(fitToColumn('Mozilla/5.0', 300)).toBe('Mozilla/5.0');
    expect(fitToColumn('😀 ok', 5)).toBe('😀 ok');
  });

  it('cuts a value to the column’s width', () => {
    expect(fitToColumn('x'.repeat(400), 300)).toBe('x'.repeat(300));
  });

  it('never leaves a lone surrogate, cut there or sent that way', () => {
    expect(fitToColumn('ab😀', 3)).toBe('ab\ufffd');
    expect(fitToColumn('a\ud800b', 10)).toBe('a\ufffdb');
  });
});
