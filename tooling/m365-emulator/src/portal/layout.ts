/** Escapes text for HTML content and attribute values. */
export function esc(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A plain page shell shared by the sign-in, consent and portal pages. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0;color:#1b1b1b}
main{max-width:720px;margin:40px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600}
button,.button{background:#0067b8;color:#fff;border:0;padding:8px 20px;margin:4px 4px 4px 0;cursor:pointer;font-size:15px;text-decoration:none;display:inline-block}
button.secondary{background:#ccc;color:#000}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left;font-size:14px}
.banner{background:#fde7e9;padding:12px;margin:12px 0}.muted{color:#666;font-size:13px}
nav a{margin-right:14px}
.badge{color:#0067b8;font-size:13px}.tabs a{margin-right:14px}.tabs a.active{font-weight:600}
textarea{width:100%;box-sizing:border-box}
</style></head><body><main>${body}</main></body></html>`;
}

/** Hidden inputs carrying form values through a multi-step page flow. */
export function hidden(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
}

/** Element id fragment derived from a UPN or name: lower-case letters, digits and dashes. */
export function slug(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
