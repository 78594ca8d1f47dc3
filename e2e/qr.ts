// Reads a QR code off the screen the way a phone camera would: a screenshot of the area
// around it (with the quiet zone), decoded from its pixels. Nothing is read from the DOM.
import type { Locator } from '@playwright/test';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

export async function scanQrCode(code: Locator, margin = 24): Promise<string> {
  // A person scrolls the code onto the screen before pointing a camera at it; a clip
  // outside the viewport would be blank.
  await code.scrollIntoViewIfNeeded();
  const box = await code.boundingBox();
  if (!box) throw new Error('the QR code is not on screen');
  const shot = await code.page().screenshot({
    clip: { x: Math.max(0, box.x - margin), y: Math.max(0, box.y - margin), width: box.width + 2 * margin, height: box.height + 2 * margin },
  });
  const png = PNG.sync.read(shot);
  const found = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
  if (!found) throw new Error('no QR code could be read from the screen');
  return found.data;
}
