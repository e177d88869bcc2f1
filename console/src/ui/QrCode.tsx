import { create } from 'qrcode';

/**
 * A QR code drawn as SVG in the page (the `qrcode` library computes the modules; nothing is
 * fetched): the otpauth:// URI of an authenticator app's enrolment.
 */
export function QrCode({ value, label }: { value: string; label: string }) {
  const { modules } = create(value, { errorCorrectionLevel: 'M' });
  const size = modules.size;
  const quiet = 4;
  let path = '';
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      if (modules.get(row, column)) path += `M${column + quiet} ${row + quiet}h1v1h-1z`;
    }
  }
  const full = size + quiet * 2;
  return (
    <svg
      className="qr"
      viewBox={`0 0 ${full} ${full}`}
      role="img"
      aria-label={label}
      shapeRendering="crispEdges"
    >
      <path className="qr-dark" d={path} />
    </svg>
  );
}
