/** Tessera's mark: four tiles, as on the hosted pages. */
export function BrandMark({ size = 28 }: { size?: number }) {
  return (
    <svg
      className="brand-mark"
      viewBox="0 0 24 24"
      width={size}
      height={size}
      aria-hidden="true"
      focusable="false"
    >
      <rect className="tile-1" x="2" y="2" width="9" height="9" rx="2" />
      <rect className="tile-2" x="13" y="2" width="9" height="9" rx="2" />
      <rect className="tile-3" x="2" y="13" width="9" height="9" rx="2" />
      <rect className="tile-4" x="13" y="13" width="9" height="9" rx="2" />
    </svg>
  );
}
