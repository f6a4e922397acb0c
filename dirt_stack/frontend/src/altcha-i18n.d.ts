// ALTCHA ships the regional French and Spanish translations without type declarations;
// the modules only register their words with the widget.
declare module "altcha/i18n/fr-fr";
declare module "altcha/i18n/es-es";
