/**
 * The manifest is written by scripts/build.ts (with --outdir); package.json already points at it.
 * The analyzer reads Lit's `static properties` without telling `state: true` apart, and takes the
 * generic `emit(type, …)` helper for an event called "type"; the plugin drops both, so the
 * manifest lists exactly the public API documented in the class's JSDoc.
 */
const publicApiOnly = {
  name: 'happening-public-api-only',
  packageLinkPhase({ customElementsManifest }) {
    for (const module of customElementsManifest.modules) {
      for (const declaration of module.declarations ?? []) {
        if (!declaration.customElement) continue;
        const privateFields = new Set(
          (declaration.members ?? [])
            .filter((member) => member.privacy === 'private')
            .map((member) => member.name),
        );
        declaration.attributes = (declaration.attributes ?? []).filter(
          (attribute) => !privateFields.has(attribute.fieldName),
        );
        declaration.events = (declaration.events ?? []).filter((event) =>
          event.name.startsWith('happening-'),
        );
      }
    }
  },
};

export default {
  globs: ['src/happening-seat-picker/*.ts'],
  litelement: true,
  packagejson: false,
  plugins: [publicApiOnly],
};
