// Loaded with `node --import ./fake-github.js` by scripts/e2ebench: sends
// what Probot addresses to https://api.github.com to E2EBENCH_GITHUB_URL
// (the fake) instead. Probot 14.3.2 applies --base-url to the REST calls
// but not to the installation token request, which its app authentication
// builds with a request of its own (lib/octokit/get-probot-octokit-with-defaults.js).
const target = process.env.E2EBENCH_GITHUB_URL;
const github = "https://api.github.com";
if (target) {
  const fetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    if ((typeof input === "string" || input instanceof URL) && String(input).startsWith(github)) {
      input = target + String(input).slice(github.length);
    }
    return fetch(input, init);
  };
}
