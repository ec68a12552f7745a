// Attachments as the browser seals them, for a report (report.js) and a follow-up (status.js): images
// re-encoded from their pixels only, then one JSON line with name and type before the bytes.
import { utf8 } from "./page.js";

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/webp", "image/gif"]);

/** Re-encode an image from its pixels only, which drops EXIF, GPS and other metadata. */
export async function stripImage(file) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  bitmap.close();
  const type = file.type === "image/jpeg" ? "image/jpeg" : "image/png";
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, type, 0.9));
  if (!blob) throw new Error("image could not be re-encoded");
  return { type, bytes: new Uint8Array(await blob.arrayBuffer()) };
}

/** Return the sealed form of an attachment: a JSON line with name and type, then the bytes. */
export async function attachmentPayload(file) {
  let type = file.type || "application/octet-stream";
  let bytes = new Uint8Array(await file.arrayBuffer());
  if (IMAGE_TYPES.has(type)) ({ type, bytes } = await stripImage(file));
  const name = file.name.split(/[\\/]/).pop().replace(/^\.+/, "").slice(0, 120) || "bijlage";
  const meta = utf8(JSON.stringify({ name, type }) + "\n");
  const payload = new Uint8Array(meta.length + bytes.length);
  payload.set(meta);
  payload.set(bytes, meta.length);
  return { name, payload };
}

/** Return the chosen files, or the message key of the first limit they break ("attachments_count", "_size"). */
export function chosenFiles(input, limits) {
  const files = [...(input?.files ?? [])].filter((file) => file.name);
  if (files.length > limits.max_attachments) return { files, problem: "attachments_count" };
  if (files.some((file) => file.size > limits.max_attachment_bytes || file.size === 0)) {
    return { files, problem: "attachments_size" };
  }
  return { files, problem: null };
}
