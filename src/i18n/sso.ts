// Texts of single sign-on (OpenID Connect: Microsoft Entra ID, Google Workspace, Keycloak). The `en` object must have the same keys.
const ptBR = {
  'sso.login_with': 'Entrar com {provedor}',
}

const en: Record<keyof typeof ptBR, string> = {
  'sso.login_with': 'Sign in with {provedor}',
}

export const ssoCatalog = { 'pt-BR': ptBR, en }
