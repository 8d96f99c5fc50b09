// ESLint (flat config): typescript-eslint's recommended and type-checked rules over the TypeScript
// sources (src/, simulator/, bench/, scripts/, test/), typed through tsconfig.dev.json, which
// includes them all. Part of `npm test` (`npm run lint`, no warning allowed).
// Not linted: the build output (nodes/*.js, build/), the editor's html and resources/, the
// examples, and test/fixtures/ (a user's TypeScript compiled against the installed tarball).
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["build/**", "nodes/**", "node_modules/**", "examples/**", "resources/**", "test/fixtures/**", "**/*.js", "**/*.mjs"],
  },
  {
    files: ["{src,simulator,bench,scripts,test}/**/*.ts"],
    extends: [eslint.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: "./tsconfig.dev.json",
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Node-RED's own idiom: a node's constructor keeps `const node = this` for its handlers.
      "@typescript-eslint/no-this-alias": ["error", { allowedNames: ["node"] }],
      // TypeScript's own convention (noUnusedParameters): a leading underscore marks a name kept on
      // purpose; a rest sibling leaves out what it names (`const { ActionID: _id, ...rest } = m`).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
    linterOptions: {
      reportUnusedDisableDirectives: "error",
    },
  },
  {
    // Tests and benchmarks drive untyped APIs: node-red-node-test-helper and the Node-RED runtime
    // (RED, its nodes and flows), the editor's jQuery and RED in jsdom, browser code run through
    // playwright's page.evaluate (no DOM types in the tsconfig), messages from child processes.
    // `any` is the honest type there, and every use of it would be reported, line by line.
    // They also load modules at run time by a computed path (the built nodes/*.js, Node-RED's own
    // node files, packages resolved from Node-RED's folder): `require` is the tool for that.
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
);
