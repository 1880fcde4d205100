// One node of the tree view; its own file so the text renderers that build nodes need not import tree.ts.
export interface TreeNode {
  label: string
  children: TreeNode[]
}
