/** Public API: the same functions the CLI calls. */
export { build, loadProject, today, type BuildOptions, type BuildReport, type ProgressEvent } from './pipeline/run.js';
export { loadCampaign, type Campaign, type Testimony } from './campaign/load.js';
export { gateConsent, RULES, type GateContext, type GateResult, type RuleCode } from './consent/gate.js';
export { hashTerm, normalizeTerm, findDenied } from './consent/denylist.js';
export { CampaignPressError, ValidationErrors, ExitCode, catalog } from './errors.js';
export { loadLocaleTable, pluralCategories, selectPlural, type LocaleTable, type LocaleEntry } from './i18n/table.js';
export { loadTemplate, lintTemplate, qrSvg } from './templates/engine.js';
export { renderMarkdown } from './templates/markdown.js';
export { processImage } from './images/process.js';
export { resolveBrowser } from './render/chromium.js';
export { main } from './cli/main.js';
