// Builds the compiled app once before the tests that run it (dist/main.js, dist/review.js) and the rotation
// bundles; when `npm test` has just built them, this only checks they are up to date.
module.exports = async () => {
  await require("../scripts/build").build();
};
