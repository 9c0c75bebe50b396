// The base of the platform's stacks: a TerraformStack that writes the rendering its guardrails already made
// in this synthesis instead of rendering itself a second time (readers/synthesized.ts).
// toTerraform() is public cdktf API; nothing else of cdktf is touched.
import { TerraformStack } from "cdktf";
import { takeRendering } from "../guardrails";

export class PlatformStack extends TerraformStack {
  toTerraform(): any {
    return takeRendering(this) ?? super.toTerraform();
  }
}
