// Shared by SP-AZR-008 and SP-AZR-009: the Terraform types of a function app.
export const FUNCTION_APP_TYPES = ["azurerm_function_app_flex_consumption", "azurerm_linux_function_app", "azurerm_windows_function_app"];
