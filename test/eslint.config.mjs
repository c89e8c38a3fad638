// Lint and format rules (kept under test/ so the top level stays as the design card fixes it).
// Formatting is ESLint Stylistic's, set to the style the code already has, so `eslint --fix`
// formats without rewriting the hand-aligned tables the interpreter and JIT rely on.
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

const configs = tseslint.config(
  // src/compile/names/ is written by test/compile/make-names.mjs from /etc/services and /etc/protocols.
  { ignores: ['dist/**', 'node_modules/**', 'docs/api/**', 'test/native/**', '**/*.cjs', '**/*.cts', '**/compile/names/services.ts', '**/compile/names/protocols.ts'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs'],
    plugins: { '@stylistic': stylistic },
    rules: {
      '@stylistic/indent': ['error', 2, { SwitchCase: 1, flatTernaryExpressions: true, ignoredNodes: ['ConditionalExpression'] }],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/max-len': ['error', { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
      '@stylistic/eol-last': 'error',
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/no-multiple-empty-lines': ['error', { max: 1 }],
      '@stylistic/space-infix-ops': 'error',
      '@stylistic/keyword-spacing': 'error',
      '@stylistic/comma-spacing': 'error',
      '@stylistic/arrow-spacing': 'error',
      '@stylistic/space-before-blocks': 'error',
      // The code states non-null where an index is known in range; noUncheckedIndexedAccess asks for it.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);

// Paths are relative to the repository, one level up from this file.
export default configs.map((c) => ({ ...c, basePath: '..' }));
