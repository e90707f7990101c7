// Headless Chromium for the browser tests: Debian's build ($CHROMIUM, or
// /usr/bin/chromium), with nothing of its own on the network (no QUIC, no
// background fetches, no component updates, no sync). Each test passes its
// own playwright-core `chromium`, so this file needs no package of its own.
export function launchChromium(chromium) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
