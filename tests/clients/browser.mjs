// Swagger UI as a person meets it (scripts/client-gate.sh): headless Debian chromium, driven by
// playwright-core, opens /swagger-ui/ under a host name that is not localhost (mapped to
// 127.0.0.1), and checks that
//   - no request leaves that host (no validator badge, no CDN);
//   - POST /api/v1/incidents shows a 422 example with `errors[]` and a 401 example that is a 401;
//   - Authorize signs in with an email and password (the OAuth 2.0 password flow) and fetches
//     the token itself;
//   - after a reload the token is still there, and "Try it out" on GET /incidents answers 200.
// SA_PORT is the server's port; CHROMIUM the browser (default /usr/bin/chromium).

import { chromium } from "playwright-core";

const host = "portal.sa-test.example";
const port = process.env.SA_PORT;
const origin = `http://${host}:${port}`;
const password = process.env.SA_DEMO_PASSWORD ?? "demo-password-2026";

let step = "";
function begin(name) {
  step = name;
  console.log(`browser: ${name}`);
}
function check(condition, what) {
  if (!condition) throw new Error(`${step}: ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  // The host name resolves to this machine; every other name resolves nowhere.
  args: [`--host-resolver-rules=MAP ${host} 127.0.0.1, MAP * ~NOTFOUND`, "--no-sandbox"],
});
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const outside = [];
  const failures = [];
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (url.protocol !== "data:" && url.host !== `${host}:${port}`) outside.push(r.url());
  });
  page.on("console", (m) => {
    if (m.type() === "error") failures.push(m.text());
  });

  begin("open Swagger UI under a non-localhost host name");
  await page.goto(`${origin}/swagger-ui/`);
  await page.waitForSelector(".opblock-tag-section", { timeout: 30000 });
  check(outside.length === 0, `requests left the host: ${outside.join(", ")}`);

  begin("POST /api/v1/incidents shows a 422 example with errors[] and a 401 example that is a 401");
  const raise = page.locator("#operations-incidents-raise_incident");
  await raise.locator(".opblock-summary").click();
  const example = async (code) =>
    (await raise.locator(`tr.response[data-code="${code}"] .example, tr.response[data-code="${code}"] pre`).first().innerText()).replace(/\s+/g, " ");
  const e422 = await example("422");
  check(e422.includes('"errors"') && e422.includes('"status": 422'), `422 example: ${e422}`);
  const e401 = await example("401");
  check(e401.includes('"status": 401') && e401.includes('"unauthorized"'), `401 example: ${e401}`);
  await raise.locator(".opblock-summary").click();

  begin("Authorize signs in with email and password");
  await page.locator("button.authorize").first().click();
  const dialog = page.locator(".dialog-ux");
  const oauth = dialog.locator(".auth-container", { hasText: "oauth2" });
  await oauth.locator("input#oauth_username").fill("bob@acme.example");
  await oauth.locator("input#oauth_password").fill(password);
  await oauth.locator("button.authorize").click();
  await dialog.locator("button", { hasText: "Logout" }).waitFor({ timeout: 15000 });
  check((await dialog.innerText()).includes("Authorized"), "signed in");
  await dialog.locator(".modal-ux-header button.close-modal").click();

  begin("after a reload the token is kept, and GET /incidents answers 200");
  await page.reload();
  await page.waitForSelector(".opblock-tag-section", { timeout: 30000 });
  const list = page.locator("#operations-incidents-list_incidents");
  await list.locator(".opblock-summary").click();
  const tryOut = list.locator("button.try-out__btn");
  if ((await tryOut.count()) > 0 && (await tryOut.innerText()).includes("Try it out")) await tryOut.click();
  const answer = page.waitForResponse((r) => r.url().includes("/api/v1/incidents") && r.request().method() === "GET");
  await list.locator("button.execute").click();
  const response = await answer;
  check(response.status() === 200, `GET /api/v1/incidents answered ${response.status()}`);
  const sent = await response.request().allHeaders();
  check((sent["authorization"] ?? "").startsWith("Bearer "), "the request carried the bearer token");
  await list.locator(".live-responses-table tbody .response-col_status").first().waitFor();
  const shown = await list.locator(".live-responses-table tbody .response-col_status").first().innerText();
  check(shown.includes("200"), `the page shows ${shown}`);

  begin("the upload offers a file picker, and sends the chosen file (201)");
  const upload = page.locator("#operations-incidents-upload_attachment");
  await upload.locator(".opblock-summary").click();
  // "Try it out" is on for every operation (tryItOutEnabled); press it only if it is offered.
  const tryUpload = upload.locator("button.try-out__btn", { hasText: "Try it out" });
  if ((await tryUpload.count()) > 0) await tryUpload.click();
  await upload.locator('tr[data-param-name="ref"] input').fill(process.env.SA_DEMO_TICKET ?? "1-0000000001");
  const picker = upload.locator('input[type="file"]');
  check((await picker.count()) === 1, "one file picker");
  await picker.setInputFiles({ name: "trace.txt", mimeType: "text/plain", buffer: Buffer.from("traceroute to 192.0.2.1\n") });
  const uploaded = page.waitForResponse((r) => r.url().includes("/attachments") && r.request().method() === "POST");
  await upload.locator("button.execute").click();
  const uploadAnswer = await uploaded;
  check(uploadAnswer.status() === 201, `the upload answered ${uploadAnswer.status()}: ${await uploadAnswer.text()}`);
  check(
    ((await uploadAnswer.request().allHeaders())["content-type"] ?? "").startsWith("multipart/form-data"),
    "sent as multipart/form-data",
  );

  begin("nothing left the host, and the page logged no error");
  check(outside.length === 0, `requests left the host: ${outside.join(", ")}`);
  check(failures.length === 0, `console errors: ${failures.join(" | ")}`);
  console.log("browser: Swagger UI signs in, keeps the token, runs GET /incidents and uploads a file");
} finally {
  await browser.close();
}
